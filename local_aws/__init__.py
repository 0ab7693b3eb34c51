"""Stand-ins for the AWS wiring that the embedded emulator cannot run, and for Salesforce.

moto stores the Lambda function but does not run it, so these small pieces do what AWS would do around it:
deliver EventBridge events to the function, poll the table's stream like an event source mapping, run the
scheduled output flow, and hold the ``Config_Request__c`` records of a Salesforce org. They hand events to the
real router (``handler.handler``) in the function's own format. None of this is packaged into the Lambda
(``serverless.yml`` packages only ``handler.py``, ``router/`` and ``services/``).
"""
