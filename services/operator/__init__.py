"""What a person or CloudFormation asks of the function: operator operations, the dead-letter redrives, the
custom resources."""
