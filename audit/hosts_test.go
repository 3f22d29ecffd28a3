package audit_test

import (
	"context"
	"errors"

	"github.com/iso20k/sms"
)

// hostChanges is the host's change lookup the tests use: authorized or
// not by change ID, an unknown change not found, and CHG-BROKEN a lookup
// that fails to answer.
type hostChanges map[string]bool

func (c hostChanges) Authorized(_ context.Context, id string) (bool, error) {
	if id == "CHG-BROKEN" {
		return false, errors.New("the change database is down")
	}
	ok, known := c[id]
	if !known {
		return false, &sms.NotFoundError{Kind: "change", ID: id}
	}
	return ok, nil
}

// hostFact answers a host's finder from a map: the facts of id, or a
// not-found error of kind.
func hostFact[V any](m map[string]V, kind sms.Kind, id string) (V, error) {
	f, ok := m[id]
	if !ok {
		return f, &sms.NotFoundError{Kind: kind, ID: id}
	}
	return f, nil
}
