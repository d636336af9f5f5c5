// The kind's lock, held to the end of the transaction: every change of a kind's job state
// (create, heartbeat, finish, sweep) takes it first, so those changes happen one at a time and
// the unit's next statement reads what the previous holder committed. MERGE on the uniquely
// constrained `kind` makes one lock node per kind; the SET takes its write lock.
MERGE (l:JobLock {kind: $kind})
SET l.lockedAt = timestamp()
RETURN l.kind AS kind
