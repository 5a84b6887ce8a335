"""Emergency access to a case (break-the-glass): a centre's staff member who is not on a case's
team reads it for a limited time after giving a reason; the centre's supervisors are told at once
and confirm or flag each use. Reading only: the grant never lets its holder act on the case."""
