package sms

import "context"

type keyContext struct{}

// WithIdempotencyKey returns a context that carries key, the host's ID of
// one request (an HTTP request ID, a message ID), for the next transition
// run with it. The key is written into the journal entry the transition
// commits; within a kind, a key names at most one entry:
//
//   - a retry with the same key and the same request (trigger, entity,
//     actor and command) returns the committed result instead of applying
//     the transition twice, whether the first attempt's outcome was known
//     or not ([ErrUnknownOutcome]);
//   - the same key with another request is refused with a
//     [*ValidationError].
//
// A key is 1 to [MaxIDLen] bytes of printable UTF-8, like an entity ID.
// The store must implement [KeyFinder]; memstore and sqlstore do. Use a
// new key for each new request: a key whose transition was refused (by a
// guard, say) was not used, and may be used again.
func WithIdempotencyKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, keyContext{}, key)
}

// IdempotencyKey returns the key [WithIdempotencyKey] put in ctx, or "".
func IdempotencyKey(ctx context.Context) string {
	k, _ := ctx.Value(keyContext{}).(string)
	return k
}

// KeyFinder is an optional capability of a [Store], needed for idempotency
// keys: FindKey returns the journal entry of the store's kind that carries
// key, or a [*NotFoundError] when none does. A store that implements it
// also guarantees, in Create, Commit and Load, that no two entries of a
// kind carry the same key: the write that would store a second one fails
// with a [*ConflictError] (Commit) or an [*ExistsError] (Create and Load)
// and writes nothing.
type KeyFinder interface {
	FindKey(ctx context.Context, key string) (Entry, error)
}
