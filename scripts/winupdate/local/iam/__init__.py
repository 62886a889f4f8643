"""IAM in the embedded AWS: who a call is made as, and whether its policies allow it."""
