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

// The sweep flow reads Config_Request__c: the event's fields that the record holds (all but eventOnlyFields), its
// Id and LastModifiedDate, and Status__c, only the records whose Status__c is Pending (a Filter task, EQUAL_TO:
// AppFlow's Salesforce ConnectorOperator; the value in VALUES, the field's type in DATA_TYPE).
function sweepTasks(eventFields, eventOnly) {
  const fields = ['Id', 'LastModifiedDate', 'Status__c', ...eventFields.filter((f) => !eventOnly.includes(f))];
  return [
    ...tasks('Salesforce', fields),
    {
      TaskType: 'Filter',
      SourceFields: ['Status__c'],
      ConnectorOperator: { Salesforce: 'EQUAL_TO' },
      TaskProperties: [
        { Key: 'DATA_TYPE', Value: 'picklist' },
        { Key: 'VALUES', Value: 'Pending' },
      ],
    },
  ];
}

module.exports = {
  inputFlowTasks: async ({ resolveVariable }) =>
    tasks('Salesforce', await resolveVariable('self:custom.configChangeFields')),
  outputFlowTasks: async ({ resolveVariable }) => tasks('S3', await resolveVariable('self:custom.statusColumns')),
  sweepFlowTasks: async ({ resolveVariable }) =>
    sweepTasks(
      await resolveVariable('self:custom.configChangeFields'),
      await resolveVariable('self:custom.eventOnlyFields'),
    ),
};
