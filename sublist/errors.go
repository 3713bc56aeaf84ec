package sublist

import "errors"

// Sentinel errors. Insert and Remove wrap them with the offending subject, so
// compare with errors.Is.
var (
	// ErrInvalidSubject reports a subscription subject that ValidSubject rejects.
	ErrInvalidSubject = errors.New("sublist: invalid subject")
	// ErrInvalidQueue reports a queue group name that ValidQueueName rejects.
	ErrInvalidQueue = errors.New("sublist: invalid queue name")
	// ErrNotFound reports a Remove of a subscription that is not stored.
	ErrNotFound = errors.New("sublist: subscription not found")
)
