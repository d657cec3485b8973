// Package store is the contract of what jeeves persists: the roles a
// store plays (roles.go), each the slice of it one service uses; the
// errors every implementation returns (errors.go); and transactions,
// which travel in the context.
//
// internal/store/sqlite implements it on an SQLite database under the
// home; internal/store/storetest is the conformance suite any
// implementation (a PostgreSQL one next) must pass. Console logs and
// other byte streams are not kept here but in a blob.Store.
package store

import "context"

// Transactor runs several writes as one.
type Transactor interface {
	// InTx runs fn in a transaction, committed if fn returns nil and
	// rolled back otherwise (fn's error is returned as is). Every store
	// method called with fn's ctx, or a context derived from it, runs
	// inside that transaction and sees its writes; a store method
	// called inside fn with an unrelated context may wait for the
	// transaction to end, so fn must pass its ctx on. InTx called with
	// a ctx already inside a transaction joins it: the outermost InTx
	// commits or rolls back.
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Store is a whole store: every role, transactions, and Close. What
// opens one (the composition root, a test) holds it; services take
// only their roles.
type Store interface {
	Jobs
	Builds
	Queue
	Users
	Tokens
	Sessions
	Nodes
	Views
	Settings
	Credentials
	Records
	Fingerprints
	Transactor
	// Close releases the store; nothing may use it afterwards.
	Close() error
}
