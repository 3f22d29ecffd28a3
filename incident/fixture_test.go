package incident_test

import (
	"context"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/require"
)

// clock is the settable test clock.
type clock = smstest.Clock

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func actor(id string, roles ...sms.Role) sms.Actor { return sms.Actor{ID: id, Roles: roles} }

var (
	desk     = actor("dana", incident.RoleServiceDesk)
	resolver = actor("rui", incident.RoleResolver)
	mim      = actor("mia", incident.RoleMajorIncidentManager)
	caller   = actor("carl", incident.RoleCaller)
	// boss holds every role, so that a refusal is the workflow's, not RBAC's.
	boss = actor("ida", incident.RoleServiceDesk, incident.RoleResolver, incident.RoleIncidentManager,
		incident.RoleMajorIncidentManager, incident.RoleCaller)
)

type fixture struct {
	svc   *incident.Service
	store *memstore.Store[*incident.Incident]
	clk   *clock
	ctx   context.Context
	tb    testing.TB
}

// t returns the test the fixture serves, for prep functions.
func (f *fixture) t() testing.TB { return f.tb }

func memstoreFor() *memstore.Store[*incident.Incident] { return memstore.New[*incident.Incident]() }

func newFixture(t testing.TB, p incident.Policy) *fixture {
	t.Helper()
	f := &fixture{store: memstore.New[*incident.Incident](), clk: smstest.NewClock(t0), ctx: context.Background(), tb: t}
	svc, err := incident.NewService(f.store, incident.Config{Policy: p, Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	f.svc = svc
	return f
}

func report() incident.Report {
	return incident.Report{Summary: "VPN down for the Lisbon office", Service: "vpn", Source: incident.SourceUser,
		Reporter: "carl", ReportedAt: t0.Add(-5 * time.Minute)}
}

func (f *fixture) log(t testing.TB) *incident.Incident {
	t.Helper()
	inc, err := f.svc.Log(f.ctx, desk, report())
	require.NoError(t, err)
	return inc
}

// actingFor returns who fires c in the fixture's steps: boss, who holds
// every role, except for a closure on the caller's own confirmation, which
// only the caller gives (INC-06): carl, the reporter of report().
func actingFor(c incident.Command) sms.Actor {
	if cl, ok := c.(incident.Closure); ok && cl.Confirmation == incident.ConfirmedByCaller && cl.Channel == "" {
		return caller
	}
	return boss
}

// step fires a command as actingFor(c) and requires success.
func (f *fixture) step(t testing.TB, id string, c incident.Command) *incident.Incident {
	t.Helper()
	f.clk.Advance(time.Minute)
	inc, err := f.svc.Do(f.ctx, actingFor(c), id, c)
	require.NoError(t, err, "step %s", c.Trigger())
	return inc
}

// Valid commands for every trigger, satisfying every guard under
// DefaultPolicy given a suitable incident.
func validCommand(tr incident.Trigger) incident.Command {
	switch tr {
	case incident.TriggerClassify:
		return incident.Classification{Category: "network", Impact: incident.High, Urgency: incident.High}
	case incident.TriggerAssign:
		return incident.Assignment{Group: "network-ops", Assignee: "rui"}
	case incident.TriggerStart:
		return incident.WorkStart{}
	case incident.TriggerHold:
		return incident.Suspension{Reason: incident.HoldSupplier, Ref: "VENDOR-991"}
	case incident.TriggerResume:
		return incident.Resumption{}
	case incident.TriggerEscalate:
		return incident.Escalation{Kind: incident.Functional, Target: "network-l3", Reason: "needs routing expertise"}
	case incident.TriggerRecordAction:
		return incident.Action{Text: "restarted the VPN concentrator"}
	case incident.TriggerNote:
		return incident.Note{Text: "caller called again"}
	case incident.TriggerLink:
		return incident.Link{Type: incident.LinkConfigItem, ID: "vpn-gw-1"}
	case incident.TriggerResolve:
		return incident.Resolution{Code: "workaround", Notes: "failed over to the second gateway", RestoredAt: t0}
	case incident.TriggerReopen:
		return incident.Reopening{Reason: "caller still cannot connect"}
	case incident.TriggerClose:
		return incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller}
	case incident.TriggerCancel:
		return incident.Cancellation{Reason: incident.CancelRaisedInError}
	case incident.TriggerConvert:
		return incident.Conversion{RequestID: "REQ-1"}
	case incident.TriggerProposeMajor:
		return incident.MajorProposal{Reason: "whole office offline"}
	case incident.TriggerAcceptMajor:
		return incident.MajorAcceptance{Manager: "mia", ProcedureRef: "PROC-MI v3"}
	case incident.TriggerRejectMajor:
		return incident.MajorRejection{Reason: "only one user affected"}
	case incident.TriggerHandOver:
		return incident.Handover{Manager: "max"}
	case incident.TriggerNotify:
		return incident.Notification{Audience: "top_management", Summary: "VPN outage, ETA 1h"}
	case incident.TriggerReview:
		return incident.Review{Summary: "single gateway was a single point of failure", Actions: []string{"PRB-12"}}
	}
	panic("no valid command for " + string(tr))
}

// to drives a new incident to the status, on the major-incident track
// state given, through the workflow. At least one action is recorded.
func (f *fixture) to(t testing.TB, status incident.Status, major incident.MajorState) *incident.Incident {
	t.Helper()
	inc := f.log(t)
	id := inc.ID
	do := func(tr incident.Trigger) { inc = f.step(t, id, validCommand(tr)) }
	if status == incident.StatusCancelled {
		do(incident.TriggerCancel)
		return inc
	}
	do(incident.TriggerClassify)
	do(incident.TriggerRecordAction)
	switch major {
	case incident.MajorCandidate:
		do(incident.TriggerProposeMajor)
	case incident.MajorAccepted:
		do(incident.TriggerProposeMajor)
		do(incident.TriggerAcceptMajor)
		do(incident.TriggerNotify)
	case incident.MajorRejected:
		do(incident.TriggerProposeMajor)
		do(incident.TriggerRejectMajor)
	}
	if status == incident.StatusNew {
		return inc
	}
	do(incident.TriggerAssign)
	switch status {
	case incident.StatusAssigned:
		return inc
	case incident.StatusInProgress:
		do(incident.TriggerStart)
		return inc
	case incident.StatusOnHold:
		do(incident.TriggerStart)
		do(incident.TriggerHold)
		return inc
	}
	do(incident.TriggerStart)
	do(incident.TriggerResolve)
	if major == incident.MajorAccepted {
		do(incident.TriggerNotify)
	}
	if status == incident.StatusResolved {
		return inc
	}
	do(incident.TriggerClose)
	require.Equal(t, status, inc.Status)
	return inc
}

// snapshot captures what is stored for an incident, to prove a refusal
// changed nothing.
type snapshot = smstest.Snapshot

func (f *fixture) snap(t testing.TB, id string) snapshot {
	t.Helper()
	return smstest.Snap(t, f.svc, id)
}

func (f *fixture) requireUnchanged(t testing.TB, id string, before snapshot) {
	t.Helper()
	smstest.RequireUnchanged(t, f.svc, id, before)
}
