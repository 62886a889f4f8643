"""Drive a run of the pipeline through boto3 against any endpoint: start, approve, follow,
summarize, list the images it made and draw its timeline.

Nothing here knows about the embedded AWS: ``AWS_ENDPOINT_URL`` (read by boto3) is the only
switch between it and a real account.
"""
