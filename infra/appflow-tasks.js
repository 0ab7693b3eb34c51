'use strict';
// The AppFlow flows' Tasks, expanded from the one list of field names in serverless.yml:
// `custom.configChangeFields` (the Config_Change__e fields the input flow passes to EventBridge) and
// `custom.statusColumns` (the status CSV columns the output flow writes onto Config_Request__c).
// AppFlow passes only mapped fields, so each name becomes a projection entry and a one-to-one Map task.
// Used by serverless.yml as ${file(./infra/appflow-tasks.js):inputFlowTasks}; never packaged.

function tasks(connector, fields) {
  if (!Array.isArray(fields) || fields.length === 0 || !fields.every((f) => typeof f === 'string' && f)) {
    throw new Error(`AppFlow field list for ${connector} must be a non-empty list of names`);
  }
  if (new Set(fields).size !== fields.length) {
    throw new Error(`AppFlow field list for ${connector} has a duplicate name`);
  }
  return [
    { TaskType: 'Filter', SourceFields: [...fields], ConnectorOperator: { [connector]: 'PROJECTION' } },
    ...fields.map((field) => ({
      TaskType: 'Map',
      SourceFields: [field],
      DestinationField: field,
      ConnectorOperator: { [connector]: 'NO_OP' },
    })),
  ];
}

module.exports = {
  inputFlowTasks: async ({ resolveVariable }) =>
    tasks('Salesforce', await resolveVariable('self:custom.configChangeFields')),
  outputFlowTasks: async ({ resolveVariable }) => tasks('S3', await resolveVariable('self:custom.statusColumns')),
};
