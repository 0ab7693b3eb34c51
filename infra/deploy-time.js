'use strict';
// The time of this deploy, as the template is packaged: the output flow's FirstExecutionFrom (infra/salesforce.yml),
// so that a newly created flow's first incremental run starts at its own creation and never sends the status files
// written before it. CloudFormation's AWS::AppFlow::Flow takes it as a Number (epoch seconds; the AppFlow API's
// firstExecutionFrom is a timestamp). Read once per packaging, so that every use in the template is the same second.
// Used by serverless.yml as ${file(./infra/deploy-time.js):epochSeconds}; never packaged.

const PACKAGED_AT = Math.floor(Date.now() / 1000);

module.exports = {
  epochSeconds: () => PACKAGED_AT,
};
