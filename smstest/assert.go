package smstest

import (
	"errors"
	"slices"
	"testing"

	"github.com/iso20k/sms"
)

// RequireRefused fails the test now unless err is a [*sms.GuardError] that
// lists every one of the requirement IDs (it may list more); it returns the
// error so the test can inspect it:
//
//	func TestResolveNeedsNotesAndAnAction(t *testing.T) {
//		svc, agent, id := assignedIncident(t) // the host's fixture
//		_, err := svc.Resolve(t.Context(), agent, id, incident.Resolution{})
//		smstest.RequireRefused(t, err, "INC-05", "INC-07")
//	}
func RequireRefused(t testing.TB, err error, ids ...string) *sms.GuardError {
	t.Helper()
	var ge *sms.GuardError
	if !errors.As(err, &ge) {
		t.Fatalf("want a refusal citing %v, got %v", ids, err)
	}
	for _, id := range ids {
		if !ge.Has(id) {
			t.Fatalf("refusal cites %v, want it to cite %s", ge.IDs(), id)
		}
	}
	return ge
}

// RequireTransitionRefused fails the test now unless err is a
// [*sms.TransitionError] for the trigger; it returns the error so the test
// can inspect the permitted triggers.
func RequireTransitionRefused(t testing.TB, err error, trigger string) *sms.TransitionError {
	t.Helper()
	var te *sms.TransitionError
	if !errors.As(err, &te) {
		t.Fatalf("want %s refused by the workflow, got %v", trigger, err)
	}
	if te.Trigger != trigger {
		t.Fatalf("refused trigger is %s, want %s", te.Trigger, trigger)
	}
	return te
}

// RequireForbidden fails the test now unless err is a [*sms.ForbiddenError].
func RequireForbidden(t testing.TB, err error) *sms.ForbiddenError {
	t.Helper()
	var fe *sms.ForbiddenError
	if !errors.As(err, &fe) {
		t.Fatalf("want the actor refused, got %v", err)
	}
	return fe
}

// RequireJournal fails the test now unless the journal verifies and its
// triggers are exactly the given ones, in order.
func RequireJournal(t testing.TB, entries []sms.Entry, triggers ...string) {
	t.Helper()
	if err := sms.VerifyJournal(entries); err != nil {
		t.Fatalf("journal does not verify: %v", err)
	}
	got := make([]string, len(entries))
	for i, e := range entries {
		got[i] = e.Trigger
	}
	if !slices.Equal(got, triggers) {
		t.Fatalf("journal triggers are %v, want %v", got, triggers)
	}
}
