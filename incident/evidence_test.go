package incident_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// otherCaller is a caller, but not the caller of the fixture's incidents
// (carl reports them).
var otherCaller = actor("cora", incident.RoleCaller)

// requireSegregation requires a *sms.ForbiddenError citing the requirement
// id for actor who, never a guard refusal.
func requireSegregation(t *testing.T, err error, id string, who sms.Actor) *sms.ForbiddenError {
	t.Helper()
	fe := smstest.RequireForbidden(t, err)
	assert.True(t, errors.Is(err, sms.ErrForbidden))
	assert.False(t, errors.Is(err, sms.ErrGuard), "a segregation refusal is not a guard refusal")
	assert.Equal(t, id, fe.Requirement.ID)
	assert.NotEmpty(t, fe.Requirement.Clause)
	assert.Equal(t, who.ID, fe.Actor)
	assert.NotEmpty(t, fe.Reason)
	return fe
}

// TestCommandOfAnotherTrigger: a command of another trigger's type is
// refused as invalid input by the generic entry points, and changes
// nothing. Machine.Fire("assign", incident.Note{...}) used to be accepted
// and cleared the assignee.
func TestCommandOfAnotherTrigger(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusAssigned, incident.MajorNone)
	require.Equal(t, "rui", inc.Assignee)
	m, err := sms.NewMachine(incident.Workflow(), f.store, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	before := f.snap(t, inc.ID)

	_, err = m.Fire(f.ctx, boss, inc.ID, string(incident.TriggerAssign), incident.Note{Text: "hello"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	var ve *sms.ValidationError
	assert.ErrorAs(t, err, &ve)
	f.requireUnchanged(t, inc.ID, before)
	stored, err := f.svc.Get(f.ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, "rui", stored.Assignee, "the assignee is kept")

	// Every trigger refuses a command of another's type.
	for _, tr := range incident.Triggers()[1:] {
		var other incident.Command = incident.Note{Text: "x"}
		if tr == incident.TriggerNote {
			other = validCommand(incident.TriggerAssign)
		}
		_, err := m.Fire(f.ctx, boss, inc.ID, string(tr), other)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%s given a %T", tr, other)
	}
	f.requireUnchanged(t, inc.ID, before)

	// The creation rule takes a Report only.
	_, err = m.Create(f.ctx, desk, incident.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	page, err := f.svc.List(f.ctx, incident.Query{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "a refused create stored nothing")

	// Each rule declares its trigger's command type.
	for _, r := range incident.Workflow().Rules() {
		c, ok := r.Command.(incident.Command)
		require.True(t, ok, "rule %s declares %T", r.Trigger, r.Command)
		assert.Equal(t, r.Trigger, string(c.Trigger()))
	}
}

// TestCallerConfirmsOwnClosure: INC-06. A caller's confirmation of the
// resolution is the caller's own act: a caller confirmed the closure of an
// incident someone else reported, and a service-desk agent closed one by
// asserting the caller's confirmation; both were accepted. Now both are
// *sms.ForbiddenError citing INC-06, and change nothing.
func TestCallerConfirmsOwnClosure(t *testing.T) {
	t.Parallel()
	confirmed := incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller}
	byPhone := incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller, Channel: incident.ChannelPhone}
	byMail := incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller, Channel: incident.ChannelEmail}
	phone := incident.DefaultPolicy()
	phone.ConfirmationChannels = []incident.Channel{incident.ChannelPhone}
	cases := []struct {
		name   string
		policy incident.Policy
		who    sms.Actor
		cmd    incident.Closure
		prep   func(f *fixture)
		req    string // "" when the closure is accepted
	}{
		{"another caller confirms", incident.DefaultPolicy(), otherCaller, confirmed, nil, "INC-06"},
		{"another caller auto-closes", incident.DefaultPolicy(), otherCaller,
			incident.Closure{Code: "no_answer", Confirmation: incident.AutoClosed},
			func(f *fixture) { f.clk.Advance(4 * 24 * time.Hour) }, "INC-06"},
		{"an agent asserts the caller's confirmation", incident.DefaultPolicy(), desk, confirmed, nil, "INC-06"},
		{"an agent holding the caller role asserts it", incident.DefaultPolicy(), boss, confirmed, nil, "INC-06"},
		{"by phone, which the policy does not permit", incident.DefaultPolicy(), desk, byPhone, nil, "INC-06"},
		{"by e-mail, which the policy does not permit", phone, desk, byMail, nil, "INC-06"},
		{"a caller records a channel", phone, otherCaller, byPhone, nil, "INC-06"},
		{"the caller confirms", incident.DefaultPolicy(), caller, confirmed, nil, ""},
		{"an agent records a confirmation by phone, permitted", phone, desk, byPhone, nil, ""},
		{"an agent auto-closes", incident.DefaultPolicy(), desk, incident.Closure{Code: "no_answer", Confirmation: incident.AutoClosed},
			func(f *fixture) { f.clk.Advance(4 * 24 * time.Hour) }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.policy)
			inc := f.to(t, incident.StatusResolved, incident.MajorNone)
			if tc.prep != nil {
				tc.prep(f)
			}
			before := f.snap(t, inc.ID)
			got, err := f.svc.Close(f.ctx, tc.who, inc.ID, tc.cmd)
			if tc.req != "" {
				requireSegregation(t, err, tc.req, tc.who)
				f.requireUnchanged(t, inc.ID, before)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, incident.StatusClosed, got.Status)
			assert.Equal(t, tc.cmd.Channel, got.ConfirmationChannel)
			e := lastEntry(t, f, inc.ID)
			assert.Equal(t, tc.who.ID, e.Actor.ID)
			if tc.cmd.Confirmation == incident.ConfirmedByCaller {
				assert.Equal(t, []string{tc.who.ID}, got.Parties.Acted(sms.PartyConfirmer))
			} else {
				assert.Empty(t, got.Parties.Of(sms.PartyConfirmer))
			}
			if tc.cmd.Channel != "" {
				assert.Equal(t, string(tc.cmd.Channel), payload(e, "confirmation.channel"), "the journal names the channel")
				assert.Equal(t, tc.who.ID, payload(e, "confirmation.recorded_by"), "and the agent")
			} else {
				assert.Empty(t, payload(e, "confirmation.channel"))
			}
			rep, err := f.svc.Conform(f.ctx, f.clk.Now())
			require.NoError(t, err)
			assert.True(t, rep.Passed(), "%v", rep.Findings())
		})
	}
}

// TestCallerIdentity: the caller is the reporter the report names; the
// actor who logs is the raiser. A service desk that logs for carl does not
// become the caller; an agent who reports their own incident is.
func TestCallerIdentity(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	forCarl := f.log(t) // dana logs for carl
	assert.Equal(t, sms.Participants{{Party: sms.PartyRaiser, ID: "dana", Acted: true}, {Party: sms.PartyRequester, ID: "carl"}},
		forCarl.Parties)
	assert.True(t, forCarl.IsCaller("carl"))
	assert.False(t, forCarl.IsCaller("dana"))
	assert.False(t, forCarl.IsCaller(""))

	own := report()
	own.Reporter = "dana"
	mine, err := f.svc.Log(f.ctx, desk, own)
	require.NoError(t, err)
	assert.Equal(t, sms.Participants{{Party: sms.PartyRaiser, ID: "dana", Acted: true}, {Party: sms.PartyRequester, ID: "dana", Acted: true}},
		mine.Parties)
	for _, tr := range []incident.Trigger{incident.TriggerClassify, incident.TriggerRecordAction, incident.TriggerAssign,
		incident.TriggerStart, incident.TriggerResolve} {
		f.step(t, mine.ID, validCommand(tr))
	}
	closed, err := f.svc.Close(f.ctx, desk, mine.ID, validCommand(incident.TriggerClose).(incident.Closure))
	require.NoError(t, err, "dana reported it: her confirmation is the caller's")
	assert.Equal(t, []string{"dana"}, closed.Parties.Acted(sms.PartyConfirmer))

	// Clone copies the parties.
	c := closed.Clone()
	c.Parties[0].ID = "changed"
	assert.Equal(t, "dana", closed.Parties[0].ID)
}

// TestCallerRejectsOwnResolution: INC-16 (and INC-06). A caller rejects
// the resolution of their own incident only; an agent reopens on the
// caller's word as before.
func TestCallerRejectsOwnResolution(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	inc := f.to(t, incident.StatusResolved, incident.MajorNone)
	before := f.snap(t, inc.ID)
	_, err := f.svc.Reopen(f.ctx, otherCaller, inc.ID, incident.Reopening{Reason: "still broken"})
	requireSegregation(t, err, "INC-16", otherCaller)
	f.requireUnchanged(t, inc.ID, before)

	got, err := f.svc.Reopen(f.ctx, caller, inc.ID, incident.Reopening{Reason: "still broken"})
	require.NoError(t, err)
	assert.Equal(t, incident.StatusInProgress, got.Status)
	f.step(t, inc.ID, validCommand(incident.TriggerResolve))
	got, err = f.svc.Reopen(f.ctx, desk, inc.ID, incident.Reopening{Reason: "caller phoned: still broken"})
	require.NoError(t, err)
	assert.Equal(t, 2, got.ReopenCount)
}

// TestBadInputRefused: input the standard cannot use is refused, on every
// store alike, and changes nothing. A summary of white space was accepted
// (INC-01); priority overrides of 6 or 2^40 were accepted and stored (shown
// as P1099511627776, the timers keeping the due times of the old
// priority).
func TestBadInputRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())

	blank := report()
	blank.Summary = " \t\n "
	_, err := f.svc.Log(f.ctx, desk, blank)
	ge := smstest.RequireRefused(t, err, "INC-01")
	assert.Len(t, ge.Unmet, 1)
	page, err := f.svc.List(f.ctx, incident.Query{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "a refused log stored an incident")

	inc := f.to(t, incident.StatusInProgress, incident.MajorNone)
	require.Equal(t, incident.Priority(1), inc.Priority)
	before := f.snap(t, inc.ID)
	guarded := []struct {
		cmd incident.Command
		req string
	}{
		{incident.Classification{Category: "network", Impact: 3, Urgency: 3, Priority: 6, OverrideReason: "CEO"}, "INC-03"},
		{incident.Classification{Category: "network", Impact: 3, Urgency: 3, Priority: incident.Priority(incident.MaxLevels), OverrideReason: "CEO"}, "INC-03"},
		{incident.Classification{Category: "network", Impact: 4, Urgency: 1}, "INC-03"},
		{incident.Classification{Category: "network", Impact: 1, Urgency: 4}, "INC-03"},
		{incident.Classification{Category: "network", Impact: 1, Urgency: 1, Security: true, SecurityRisk: 4}, "INC-14"},
	}
	for _, tc := range guarded {
		_, err := f.svc.Do(f.ctx, boss, inc.ID, tc.cmd)
		smstest.RequireRefused(t, err, tc.req)
	}
	invalid := []incident.Command{
		incident.Classification{Category: "network", Impact: 3, Urgency: 3, Priority: 1 << 40, OverrideReason: "CEO"},
		incident.Classification{Category: "network", Impact: 1 << 40, Urgency: 1},
		incident.Classification{Category: "network", Impact: 1, Urgency: incident.MaxLevels + 1},
		incident.Classification{Category: "network", Impact: 1, Urgency: 1, Priority: -1, OverrideReason: "x"},
		incident.Classification{Category: "network", Impact: 1, Urgency: 1, SecurityRisk: 1}, // risk without a security incident
		incident.Classification{Category: "network", Impact: 1, Urgency: 1, Security: true, SecurityRisk: math.MaxInt32},
		incident.Note{Text: " \n\t"},
		incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller, Channel: "pigeon"},
		incident.Closure{Code: "solved", Confirmation: incident.AutoClosed, Channel: incident.ChannelPhone},
	}
	for _, c := range invalid {
		_, err := f.svc.Do(f.ctx, boss, inc.ID, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%#v", c)
		var ve *sms.ValidationError
		assert.ErrorAs(t, err, &ve)
	}
	f.requireUnchanged(t, inc.ID, before)
	stored, err := f.svc.Get(f.ctx, inc.ID)
	require.NoError(t, err)
	assert.Equal(t, incident.Priority(1), stored.Priority)
	assert.Equal(t, inc.SLA, stored.SLA, "the timers are those of the priority kept")
}

// TestTimersFollowPriority: INC-15. A priority the policy sets no target
// for detaches the timers of the old priority instead of keeping their due
// times.
func TestTimersFollowPriority(t *testing.T) {
	t.Parallel()
	p := incident.DefaultPolicy()
	delete(p.Targets, 5)
	f := newFixture(t, p)
	inc := f.log(t)
	inc, err := f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "network", Impact: 1, Urgency: 1})
	require.NoError(t, err)
	require.False(t, inc.SLA.ResolutionDue.IsZero())
	inc, err = f.svc.Classify(f.ctx, desk, inc.ID, incident.Classification{Category: "network", Impact: 3, Urgency: 3})
	require.NoError(t, err)
	assert.Equal(t, incident.Priority(5), inc.Priority)
	assert.True(t, inc.SLA.ResponseDue.IsZero(), "no response target for P5")
	assert.True(t, inc.SLA.ResolutionDue.IsZero(), "no resolution target for P5")
	assert.Equal(t, "no target for P5", payload(lastEntry(t, f, inc.ID), "timers"))
}

// TestPolicyEnumerations: every enumeration and range of the policy is
// validated when the service is built.
func TestPolicyEnumerations(t *testing.T) {
	t.Parallel()
	wide := make([][]incident.Priority, incident.MaxLevels+1)
	for i := range wide {
		wide[i] = []incident.Priority{1}
	}
	bad := map[string]func(*incident.Policy){
		"unknown hold reason":      func(p *incident.Policy) { p.PauseOn = []incident.HoldReason{"lunch"} },
		"unknown channel":          func(p *incident.Policy) { p.ConfirmationChannels = []incident.Channel{"fax"} },
		"escalation share NaN":     func(p *incident.Policy) { p.EscalateAt = math.NaN() },
		"too many levels":          func(p *incident.Policy) { p.Matrix = incident.Matrix{Version: "v", Priorities: wide} },
		"priority above the bound": func(p *incident.Policy) { p.Matrix.Priorities = [][]incident.Priority{{incident.MaxLevels + 1}} },
		"matrix version malformed": func(p *incident.Policy) { p.Matrix.Version = " v1" },
		"target for priority 2^40": func(p *incident.Policy) { p.Targets[1<<40] = incident.Target{Response: 1, Resolution: 1} },
		"major criterion below 0":  func(p *incident.Policy) { p.Major.AtOrAbove = -1 },
		"malformed category":       func(p *incident.Policy) { p.Categories = []string{"net\nwork"} },
	}
	for name, edit := range bad {
		p := incident.DefaultPolicy()
		edit(&p)
		_, err := incident.NewService(memstore.New[*incident.Incident](), incident.Config{Policy: p})
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	ok := incident.DefaultPolicy()
	ok.ConfirmationChannels = incident.Channels()
	_, err := incident.NewService(memstore.New[*incident.Incident](), incident.Config{Policy: ok})
	require.NoError(t, err)
	assert.Equal(t, incident.Priority(5), incident.DefaultMatrix().Lowest())
}

// TestConformOnVerifiedRecords: Conform, Sweep and Security draw their
// evidence from records that verify against their journals. A record
// edited outside the pipeline (a forged field, a forged status) is a
// RECORD_UNVERIFIED finding in the first result and is counted by no other
// check; the run goes on and still checks the others.
func TestConformOnVerifiedRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t, incident.DefaultPolicy())
	var ids []string
	for _, s := range []incident.Status{incident.StatusNew, incident.StatusInProgress, incident.StatusClosed, incident.StatusResolved} {
		ids = append(ids, f.to(t, s, incident.MajorNone).ID)
	}
	secure := f.log(t)
	f.step(t, secure.ID, incident.Classification{Category: "security", Impact: 2, Urgency: 2, Security: true, SecurityRisk: 1})
	ids = append(ids, secure.ID)
	forgedField, forgedStatus := ids[0], ids[1]

	var st sms.Store[*incident.Incident] = f.store
	st = smstest.Tampered(st, forgedField, func(i *incident.Incident) { i.Summary = "nothing happened" })
	st = smstest.Tampered(st, forgedStatus, func(i *incident.Incident) { i.Status = incident.StatusClosed })
	st = smstest.Tampered(st, secure.ID, func(i *incident.Incident) { i.SecurityRisk = 3 })
	svc, err := f.svc.WithStore(st)
	require.NoError(t, err)

	rep, err := svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	require.NotEmpty(t, rep.Results)
	v := rep.Results[0]
	assert.Equal(t, sms.CheckRecordVerification, v.Check)
	assert.Equal(t, len(ids), v.Population, "every record is examined")
	var unverified []string
	for _, fd := range v.Failures {
		assert.Equal(t, sms.CodeRecordUnverified, fd.Code)
		assert.Equal(t, "SMS-REC", fd.Requirement.ID)
		assert.NotEmpty(t, fd.Detail)
		unverified = append(unverified, fd.EntityID)
	}
	assert.ElementsMatch(t, []string{forgedField, forgedStatus, secure.ID}, unverified)
	for _, r := range rep.Results[1:] {
		for _, fd := range r.Failures {
			assert.NotContains(t, unverified, fd.EntityID, "an unverified record is counted by %s", r.Check)
		}
		if r.Check == "incident-record" {
			assert.Equal(t, 2, r.Population, "the two records that verify are still checked")
		}
		if r.Check == "incident-closure-completeness" {
			assert.Equal(t, 1, r.Population, "the forged closed status is not counted as a closure")
		}
	}
	assert.False(t, rep.Passed())

	swept, err := svc.Sweep(f.ctx, f.clk.Now().Add(30*24*time.Hour))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(swept), 3)
	for k, fd := range swept[:3] {
		assert.Equal(t, sms.CodeRecordUnverified, fd.Code, "unverified records come first: %d", k)
	}
	for _, fd := range swept[3:] {
		assert.NotContains(t, unverified, fd.EntityID)
	}
	assert.Contains(t, codes(swept[3:]), incident.CodeSLABreached, "the verified records are still swept")

	// One pass gives the same: Conform's report, and Sweep's findings but
	// the unverified ones, which are the report's.
	later := f.clk.Now().Add(30 * 24 * time.Hour)
	want, err := svc.Conform(f.ctx, later)
	require.NoError(t, err)
	both, bothSwept, err := svc.ConformSweep(f.ctx, later)
	require.NoError(t, err)
	assert.Equal(t, want, both)
	assert.Equal(t, swept[3:], bothSwept)

	sum, err := svc.Security(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, 0, sum.Total, "the forged security incident is not counted")
	require.Len(t, sum.Unverified, 3)
	direct, err := f.svc.Security(f.ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, direct.Total)
	assert.Empty(t, direct.Unverified)
}

// TestConformReadsWhoConfirmed: the closure check takes who closed on the
// caller's confirmation from the journal, and judges a recorded channel by
// the policy in force.
func TestConformReadsWhoConfirmed(t *testing.T) {
	t.Parallel()
	phone := incident.DefaultPolicy()
	phone.ConfirmationChannels = []incident.Channel{incident.ChannelPhone}
	f := newFixture(t, phone)
	inc := f.to(t, incident.StatusResolved, incident.MajorNone)
	_, err := f.svc.Close(f.ctx, desk, inc.ID, incident.Closure{Code: "solved", Confirmation: incident.ConfirmedByCaller, Channel: incident.ChannelPhone})
	require.NoError(t, err)
	rep, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())

	// Judged by a policy that permits no channel, the same record fails.
	strict, err := incident.NewService(f.store, incident.Config{Policy: incident.DefaultPolicy(), Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)
	rep, err = strict.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	fs := rep.Findings()
	require.Len(t, fs, 1)
	assert.Equal(t, incident.CodeClosureIncomplete, fs[0].Code)
	assert.Equal(t, "INC-06", fs[0].Requirement.ID)
	assert.Equal(t, inc.ID, fs[0].EntityID)
}

// TestCheckConfirmer: the package function, which trusts its input, reads
// who confirmed from the record's parties.
func TestCheckConfirmer(t *testing.T) {
	t.Parallel()
	p := incident.DefaultPolicy()
	agent := conformingClosed()
	agent.Parties = nil
	agent.Parties.Add(sms.PartyRaiser, "dana", true)
	agent.Parties.Add(sms.PartyRequester, "r", false)
	agent.Parties.Add(sms.PartyConfirmer, "dana", true)
	fs, err := incident.Check(agent, p, t0.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, []string{"INC-06"}, findingIDs(fs), "dana asserted r's confirmation")

	channel := conformingClosed()
	channel.ConfirmationChannel = incident.ChannelPhone
	fs, err = incident.Check(channel, p, t0.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, []string{"INC-06"}, findingIDs(fs), "the policy permits no channel")
	p.ConfirmationChannels = []incident.Channel{incident.ChannelPhone}
	fs, err = incident.Check(channel, p, t0.Add(24*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, fs)
}
