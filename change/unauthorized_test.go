package change_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/memstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hours returns t0 plus h hours.
func hours(h float64) time.Time { return t0.Add(time.Duration(h * float64(time.Hour))) }

// unauthorizedChanges are the changes the CHG-16 cases are judged against,
// written by hand (not driven through the workflow) so that every time is
// known: authorized at 1h, implemented from 2h to 4h, unless said
// otherwise.
func unauthorizedChanges() []*change.Change {
	scope := func(c *change.Change, services []string, items ...string) *change.Change {
		c.Services = services
		for _, id := range items {
			c.ConfigItems = append(c.ConfigItems, change.ConfigItem{ID: id, Type: "application"})
		}
		return c
	}
	authorized := &change.Authority{AuthorizedAt: hours(1)}
	mk := func(id string, st change.Status, mt change.ModelType) *change.Change {
		c := &change.Change{Status: st, ModelType: mt}
		c.ID, c.CreatedAt = id, hours(0)
		return c
	}
	closed := scope(mk("CHG-A", change.StatusClosed, change.ModelNormal), []string{"payroll"}, "app-1")
	closed.Authority, closed.Work = authorized, &change.Work{StartedAt: hours(2), EndedAt: hours(4)}
	closed.ConfigUpdates = []change.ConfigUpdate{{Item: "app-1", Ref: "CMDB-9"}}

	draft := scope(mk("CHG-D", change.StatusDraft, change.ModelNormal), nil, "app-1")
	scheduled := scope(mk("CHG-S", change.StatusScheduled, change.ModelNormal), nil, "app-1")
	scheduled.Authority = authorized

	implementing := scope(mk("CHG-I", change.StatusImplement, change.ModelNormal), []string{"payroll"}, "db-1")
	implementing.Authority, implementing.Work = authorized, &change.Work{StartedAt: hours(2)}

	remediating := scope(mk("CHG-R", change.StatusRemediating, change.ModelNormal), nil, "app-1")
	remediating.Authority = authorized
	remediating.Work = &change.Work{StartedAt: hours(2), FailureReason: "migration aborted", FailedAt: hours(3)}

	// Retrospective emergency changes, raised at 10h after a mutation at
	// 9h: closed with its review; closed without one; reviewed but not
	// closed.
	retro := func(id string, st change.Status, reviewed bool) *change.Change {
		c := scope(mk(id, st, change.ModelEmergency), nil, "app-1")
		c.CreatedAt = hours(10)
		c.Authority, c.Work = &change.Authority{AuthorizedAt: hours(11)}, &change.Work{StartedAt: hours(12), EndedAt: hours(13)}
		if reviewed {
			c.Review = &change.Review{Summary: "the hand-made change is kept; consequences reviewed", ReviewedAt: hours(14)}
		}
		return c
	}
	return []*change.Change{closed, draft, scheduled, implementing, remediating,
		retro("CHG-E", change.StatusClosed, true), retro("CHG-E2", change.StatusClosed, false), retro("CHG-E3", change.StatusReview, true)}
}

// TestFindUnauthorized computes, by hand, for each case of CHG-16 whether
// a mutation of a controlled item was authorized and, if not, every
// reason.
func TestFindUnauthorized(t *testing.T) {
	t.Parallel()
	p := change.Policy{Controlled: []string{"application", "database"}}
	app := func(h float64, ref string) change.ConfigChange {
		return change.ConfigChange{Item: "app-1", ItemType: "application", At: hours(h), By: "bob", ChangeRef: ref}
	}
	const (
		none   = change.NoChangeRef
		ghost  = change.ChangeNotFound
		unauth = change.ChangeNotAuthorized
		out    = change.OutsideImplementation
		scope  = change.OutOfScope
	)
	cases := []struct {
		name string
		m    change.ConfigChange
		want []change.UnauthorizedReason // nil: authorized, or ignored
	}{
		{"an uncontrolled type is ignored", change.ConfigChange{Item: "prn-4", ItemType: "printer", At: hours(3)}, nil},
		{"no change reference", app(3, ""), []change.UnauthorizedReason{none}},
		{"no type is judged as controlled", change.ConfigChange{Item: "x-1", At: hours(3)}, []change.UnauthorizedReason{none}},
		{"a change that does not exist", app(3, "CHG-X"), []change.UnauthorizedReason{ghost}},
		{"inside the implementation", app(3, "CHG-A"), nil},
		{"at the start of the implementation", app(2, "CHG-A"), nil},
		{"at the end of the implementation", app(4, "CHG-A"), nil},
		{"authorized, implementation not started", app(1.5, "CHG-A"), []change.UnauthorizedReason{out}},
		{"after the implementation ended", app(5, "CHG-A"), []change.UnauthorizedReason{out}},
		{"the record update the closed change names (CHG-15)",
			change.ConfigChange{ID: "CMDB-9", Item: "app-1", ItemType: "application", At: hours(5), ChangeRef: "CHG-A"}, nil},
		{"a record update the change does not name",
			change.ConfigChange{ID: "CMDB-10", Item: "app-1", ItemType: "application", At: hours(5), ChangeRef: "CHG-A"}, []change.UnauthorizedReason{out}},
		{"a named record update before the implementation",
			change.ConfigChange{ID: "CMDB-9", Item: "app-1", ItemType: "application", At: hours(1.5), ChangeRef: "CHG-A"}, []change.UnauthorizedReason{out}},
		{"before the change was authorized", app(0.5, "CHG-A"), []change.UnauthorizedReason{unauth, out}},
		{"an item outside the change's scope",
			change.ConfigChange{Item: "db-9", ItemType: "database", At: hours(3), ChangeRef: "CHG-A"}, []change.UnauthorizedReason{scope}},
		{"an item of a service in the change's scope",
			change.ConfigChange{Item: "db-9", ItemType: "database", Service: "payroll", At: hours(3), ChangeRef: "CHG-A"}, nil},
		{"an item of another service",
			change.ConfigChange{Item: "db-9", ItemType: "database", Service: "billing", At: hours(3), ChangeRef: "CHG-A"}, []change.UnauthorizedReason{scope}},
		{"a draft change", app(3, "CHG-D"), []change.UnauthorizedReason{unauth, out}},
		{"a scheduled change not started", app(3, "CHG-S"), []change.UnauthorizedReason{out}},
		{"a change still being implemented", change.ConfigChange{Item: "db-1", ItemType: "database", At: hours(30), ChangeRef: "CHG-I"}, nil},
		{"everything wrong at once",
			change.ConfigChange{Item: "db-9", ItemType: "database", At: hours(0.5), ChangeRef: "CHG-D"}, []change.UnauthorizedReason{unauth, out, scope}},
		{"a rollback while remediating a failure", app(3.5, "CHG-R"), nil},
		{"reviewed by a retrospective emergency change", app(9, "CHG-E"), nil},
		{"a retrospective change that does not cover the item",
			change.ConfigChange{Item: "db-9", ItemType: "database", At: hours(9), ChangeRef: "CHG-E"}, []change.UnauthorizedReason{unauth, out, scope}},
		{"an emergency change raised before the mutation is no retrospective", app(10.5, "CHG-E"), []change.UnauthorizedReason{unauth, out}},
		{"a retrospective change closed without its review", app(9, "CHG-E2"), []change.UnauthorizedReason{unauth, out}},
		{"a retrospective change not yet closed", app(9, "CHG-E3"), []change.UnauthorizedReason{unauth, out}},
	}
	changes := unauthorizedChanges()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := change.FindUnauthorized(p, []change.ConfigChange{tc.m}, changes)
			if tc.want == nil {
				assert.Empty(t, got)
				return
			}
			require.Len(t, got, 1)
			assert.Equal(t, tc.m, got[0].Mutation)
			assert.Equal(t, tc.want, got[0].Reasons)
		})
	}
}

// TestUnauthorizedChangesFindings: one finding per unauthorized mutation,
// in order, citing CHG-16 and clause 8.1, naming the item, its reasons
// first in the detail; nothing when every mutation was authorized.
func TestUnauthorizedChangesFindings(t *testing.T) {
	t.Parallel()
	changes := unauthorizedChanges()
	asOf := time.Date(2026, 3, 31, 23, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	mutations := []change.ConfigChange{
		{ID: "CMDB-1", Item: "app-1", ItemType: "application", At: hours(3), By: "bob", ChangeRef: "CHG-A"}, // authorized
		{ID: "CMDB-2", Item: "app-1", ItemType: "application", At: hours(5), By: "bob"},
		{Item: "prn-4", ItemType: "printer", At: hours(5), By: "bob"}, // ignored under the policy below
		{ID: "CMDB-3", Item: "db-9", ItemType: "database", At: hours(0.5), By: "sam", ChangeRef: "CHG-D"},
	}
	p := change.Policy{Controlled: []string{"application", "database"}}
	got := change.UnauthorizedChanges(p, mutations, changes, asOf)
	require.Len(t, got, 2)
	for _, f := range got {
		assert.Equal(t, change.CodeUnauthorizedChange, f.Code)
		assert.Equal(t, "UNAUTHORIZED_CHANGE", f.Code, "the code of the sweep catalogue")
		assert.Equal(t, "CHG-16", f.Requirement.ID)
		assert.Equal(t, "8.1", f.Requirement.Clause)
		assert.Equal(t, change.ConfigItemKind, f.Kind)
		assert.Equal(t, asOf.UTC(), f.At)
	}
	assert.Equal(t, "app-1", got[0].EntityID)
	assert.Equal(t, "no_change_reference: app-1 (application) changed 2026-03-02T13:00:00Z by bob with no change (record CMDB-2)", got[0].Detail)
	assert.Equal(t, "db-9", got[1].EntityID)
	assert.True(t, strings.HasPrefix(got[1].Detail, "change_not_authorized,outside_implementation,out_of_scope: db-9 (database)"), got[1].Detail)
	assert.Contains(t, got[1].Detail, "under CHG-D")

	// The zero policy puts every type under control: the printer counts.
	all := change.UnauthorizedChanges(change.Policy{}, mutations, changes, asOf)
	require.Len(t, all, 3)
	assert.Equal(t, "prn-4", all[1].EntityID)

	assert.Nil(t, change.UnauthorizedChanges(p, mutations[:1], changes, asOf))
	assert.Nil(t, change.UnauthorizedChanges(p, nil, nil, asOf))
	assert.Len(t, change.UnauthorizedChanges(p, mutations, []*change.Change{nil}, asOf), 3, "a nil change is no change")
}

// TestServiceUnauthorizedChanges judges mutations against changes driven
// through the workflow and stored: the service reads each change named,
// once; the retrospective path (an emergency change raised, implemented,
// assessed and reviewed after the fact) settles an unintended change.
func TestServiceUnauthorizedChanges(t *testing.T) {
	t.Parallel()
	f := newFixture(t, change.Policy{Controlled: []string{"application"}})
	chg := f.to(t, change.ModelNameNormal, change.StatusClosed)
	start, end := chg.Work.StartedAt, chg.Work.EndedAt
	require.True(t, end.After(start.Add(time.Second)))
	app := func(at time.Time, ref, id string) change.ConfigChange {
		return change.ConfigChange{ID: id, Item: "app-1", ItemType: "application", Service: "payroll", At: at, By: "ivan", ChangeRef: ref}
	}
	mutations := []change.ConfigChange{
		app(start.Add(time.Second), chg.ID, "CMDB-70"),              // during the implementation
		app(end.Add(time.Hour), chg.ID, "CMDB-77"),                  // the record update the closure names (CHG-15)
		app(end.Add(time.Hour), chg.ID, "CMDB-78"),                  // another edit after the end
		app(start.Add(-time.Minute), chg.ID, "CMDB-69"),             // before the start
		app(start.Add(time.Second), "CHG-NOPE", "CMDB-71"),          // no such change
		app(start.Add(time.Second), "not an id!", ""),               // not even an ID
		{Item: "db-1", ItemType: "database", At: start, By: "ivan"}, // not controlled
	}
	asOf := f.clk.Now()
	got, err := f.svc.UnauthorizedChanges(f.ctx, mutations, asOf)
	require.NoError(t, err)
	want := []string{"outside_implementation: app-1 (application) changed " + end.Add(time.Hour).Format(time.RFC3339),
		"outside_implementation: app-1", "change_not_found: app-1", "change_not_found: app-1"}
	require.Len(t, got, len(want), "%v", got)
	for i, w := range want {
		assert.True(t, strings.HasPrefix(got[i].Detail, w), "finding %d: %s", i, got[i].Detail)
	}
	assert.Contains(t, got[0].Detail, "CMDB-78")
	assert.Contains(t, got[1].Detail, "CMDB-69")
	assert.Equal(t, got, change.UnauthorizedChanges(f.svc.Policy(), mutations, []*change.Change{chg}, asOf),
		"the service judges as the package function does")

	// Someone edits app-1 by hand: unauthorized. The host reviews it
	// through a retrospective emergency change, then records that change
	// against the mutation: it is no longer reported.
	handmade := app(f.clk.Now(), "", "CMDB-90")
	got, err = f.svc.UnauthorizedChanges(f.ctx, []change.ConfigChange{handmade}, f.clk.Now())
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.True(t, strings.HasPrefix(got[0].Detail, "no_change_reference:"), got[0].Detail)
	f.clk.Advance(time.Hour)
	retro := f.to(t, change.ModelNameEmergency, change.StatusReview)
	handmade.ChangeRef = retro.ID
	got, err = f.svc.UnauthorizedChanges(f.ctx, []change.ConfigChange{handmade}, f.clk.Now())
	require.NoError(t, err)
	require.Len(t, got, 1, "reviewed but not yet closed")
	retro = f.ready(t, retro, change.TriggerClose)
	f.step(t, retro.ID, change.TriggerClose)
	got, err = f.svc.UnauthorizedChanges(f.ctx, []change.ConfigChange{handmade}, f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, got, "closed with its review, the retrospective change accounts for the mutation")
}

// unreadableStore fails every Get, to show that the sweep stops on a
// store error rather than report a stored change as missing.
type unreadableStore struct {
	*memstore.Store[*change.Change]
	reads int
}

var errUnreadable = errors.New("sector unreadable")

func (s *unreadableStore) Get(context.Context, string) (*change.Change, error) {
	s.reads++
	return nil, errUnreadable
}

func TestServiceUnauthorizedChangesErrors(t *testing.T) {
	t.Parallel()
	st := newStores()
	fs := &unreadableStore{Store: st.changes}
	svc, err := change.NewService(change.Stores{Changes: fs, Plans: st.plans, Templates: st.templates}, change.Config{})
	require.NoError(t, err)
	m := []change.ConfigChange{
		{Item: "app-1", ItemType: "application", At: t0, ChangeRef: "CHG-1"},
		{Item: "app-2", ItemType: "application", At: t0, ChangeRef: "CHG-1"},
	}
	_, err = svc.UnauthorizedChanges(context.Background(), m, t0)
	assert.ErrorIs(t, err, errUnreadable)
	assert.Equal(t, 1, fs.reads)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = svc.UnauthorizedChanges(ctx, m, t0)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 1, fs.reads, "a cancelled sweep reads nothing")

	// Mutations that name no change need no read.
	got, err := svc.UnauthorizedChanges(context.Background(), []change.ConfigChange{{Item: "app-1", At: t0}}, t0)
	require.NoError(t, err)
	assert.Len(t, got, 1)
	assert.Equal(t, 1, fs.reads)
}
