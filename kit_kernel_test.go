package sms_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// ticketCatalogue lists the ticket workflow's requirements.
func ticketCatalogue() []sms.Requirement {
	return []sms.Requirement{reqTitle, reqAssignee, reqResolution, reqOwnTicket, reqCategory, reqJustified, reqNoteText, reqUnfinished, reqService,
		{ID: "TKT-11", Clause: "8.6.1", Text: "a lead approves a finished ticket"}}
}

func TestCatalogueResolvesCitations(t *testing.T) {
	t.Parallel()
	d := ticketDefinition()
	d.Catalogue = ticketCatalogue()
	// Citations by ID alone take their clause, and their sentence when they
	// give none, from the catalogue.
	d.Rules[1].Guards[0].Requirement = sms.Requirement{ID: "TKT-02"}
	d.Rules[1].Guards[1].Requirement = sms.Requirement{ID: "TKT-09", Text: "the ticket names its service first"}
	wf, err := sms.NewWorkflow(d)
	require.NoError(t, err)
	g := wf.Rules()[1].Guards
	assert.Equal(t, reqAssignee, g[0].Requirement)
	assert.Equal(t, sms.Requirement{ID: "TKT-09", Clause: "8.6.1", Text: "the ticket names its service first"}, g[1].Requirement)
	assert.Equal(t, ticketCatalogue(), wf.Catalogue())
	assert.Equal(t, []string{"TKT-01", "TKT-02", "TKT-03", "TKT-04", "TKT-05", "TKT-06", "TKT-07", "TKT-08", "TKT-09"}, wf.Cited())

	for name, edit := range map[string]func(d *sms.Definition[*Ticket]){
		"an ID not in the catalogue": func(d *sms.Definition[*Ticket]) { d.Rules[1].Guards[0].Requirement = sms.Requirement{ID: "TKT-99"} },
		"a clause that disagrees":    func(d *sms.Definition[*Ticket]) { d.Rules[1].Guards[0].Requirement.Clause = "9.9" },
		"a catalogue entry without a clause": func(d *sms.Definition[*Ticket]) {
			d.Catalogue = append(d.Catalogue, sms.Requirement{ID: "TKT-12", Text: "x"})
		},
		"an ID listed twice": func(d *sms.Definition[*Ticket]) { d.Catalogue = append(d.Catalogue, reqTitle) },
	} {
		d := ticketDefinition()
		d.Catalogue = ticketCatalogue()
		edit(&d)
		_, err := sms.NewWorkflow(d)
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
}

// lookups is what a prepared rule found.
type lookups struct{ service string }

func TestPrepareRunsBeforeTheGuards(t *testing.T) {
	t.Parallel()
	services := map[string]bool{"printing": true}
	var order []string
	failing := errors.New("the service catalogue is down")
	var down bool
	d := ticketDefinition()
	for i := range d.Rules {
		if d.Rules[i].Trigger != trStart {
			continue
		}
		d.Rules[i].Prepare = func(ctx context.Context, t *ttx) error {
			order = append(order, "prepare")
			if down {
				return failing
			}
			if services[t.Entity.Service] {
				t.Prepared = &lookups{service: t.Entity.Service}
			}
			return nil
		}
		d.Rules[i].Guards = append(d.Rules[i].Guards, sms.Guard[*Ticket]{Requirement: reqService, Check: func(t *ttx) bool {
			order = append(order, "guard")
			l, _ := t.Prepared.(*lookups)
			return l != nil
		}})
	}
	wf, err := sms.NewWorkflow(d)
	require.NoError(t, err)
	env := newTicketEnvWith(t, wf, memstore.New[*Ticket](), sms.Options{})
	env.file(t, "T-1")
	_, err = env.m.Fire(bg(), alice, "T-1", trStart, ticketCmd{Assignee: "alice"})
	require.NoError(t, err)
	assert.Equal(t, []string{"prepare", "guard"}, order, "the look-up runs first, once, and the guards see it")

	env.file(t, "T-2")
	before := env.snap(t, "T-2")
	down = true
	_, err = env.m.Fire(bg(), alice, "T-2", trStart, ticketCmd{Assignee: "alice"})
	assert.ErrorIs(t, err, failing, "a failure to look ends the transition with it")
	assert.Equal(t, before, env.snap(t, "T-2"))

	down = false
	services["printing"] = false
	_, err = env.m.Fire(bg(), alice, "T-2", trStart, ticketCmd{Assignee: "alice"})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge, "what the look-up does not find, the guards judge")
	assert.True(t, ge.Has("TKT-09"))
	assert.Equal(t, before, env.snap(t, "T-2"))
}

var reqLeadApproves = sms.Requirement{ID: "TKT-11", Clause: "8.6.1", Text: "a lead approves a finished ticket"}

func TestApprovalGate(t *testing.T) {
	t.Parallel()
	d := ticketDefinition()
	rule := sms.ApprovalRule{Roles: []sms.Role{roleLead}, Quorum: 1, Exclude: []sms.Party{sms.PartyImplementer, sms.PartyRequester}}
	for i := range d.Rules {
		if d.Rules[i].Trigger != trReopen {
			continue
		}
		d.Rules[i].Approval = &sms.ApprovalGate[*Ticket]{
			Requirement: reqLeadApproves,
			Rule:        func(t *ttx) (sms.ApprovalRule, bool) { return rule, t.Entity.Category != "no approval" },
			Parties: func(tk *Ticket) sms.Participants {
				var ps sms.Participants
				ps.Add(sms.PartyImplementer, tk.Assignee, true)
				ps.Add(sms.PartyRequester, "rita", false)
				return ps
			},
			Decided: func(tk *Ticket, actor string) bool { return actor == "leo" },
		}
	}
	wf, err := sms.NewWorkflow(d)
	require.NoError(t, err)
	env := newTicketEnvWith(t, wf, memstore.New[*Ticket](), sms.Options{})
	env.working(t, "T-1")
	_, err = env.m.Fire(bg(), alice, "T-1", trFinish, ticketCmd{Resolution: "fixed", Category: "hardware"})
	require.NoError(t, err)
	before := env.snap(t, "T-1")
	leadAlice := sms.Actor{ID: "alice", Roles: []sms.Role{roleLead}}
	for name, a := range map[string]sms.Actor{
		"the implementer":     leadAlice,
		"the named requester": {ID: "rita", Roles: []sms.Role{roleLead, roleReporter}},
		"who decided already": {ID: "leo", Roles: []sms.Role{roleLead}},
	} {
		_, err := env.m.Fire(bg(), a, "T-1", trReopen, ticketCmd{Reason: "again"})
		var fe *sms.ForbiddenError
		require.ErrorAs(t, err, &fe, name)
		assert.Equal(t, reqLeadApproves, fe.Requirement, name)
		assert.Equal(t, before, env.snap(t, "T-1"), name)
	}
	_, err = env.m.Fire(bg(), lena, "T-1", trReopen, ticketCmd{Reason: "again"})
	assert.NoError(t, err, "a lead who is no party decides")

	r, ok := sms.DecidingRole(rule, lena, "")
	assert.True(t, ok)
	assert.Equal(t, roleLead, r)
	_, ok = sms.DecidingRole(rule, lena, roleAgent)
	assert.False(t, ok, "a role the rule does not name")

	d.Rules[5].Approval = &sms.ApprovalGate[*Ticket]{Requirement: reqLeadApproves}
	_, err = sms.NewWorkflow(d)
	assert.ErrorIs(t, err, sms.ErrInvalid, "a gate without its rule and parties")
}

func TestApprovalGateCitesEachRefusal(t *testing.T) {
	t.Parallel()
	notParty := sms.Requirement{ID: "TKT-12", Clause: "8.6.1", Text: "no one approves a ticket they are a party to"}
	once := sms.Requirement{ID: "TKT-13", Clause: "8.6.1", Text: "each lead decides once"}
	gate := func(excluding func(*ttx, sms.Party, bool) string) *sms.ApprovalGate[*Ticket] {
		return &sms.ApprovalGate[*Ticket]{
			Requirement: reqLeadApproves, Excluded: notParty, Once: once,
			Rule: func(*ttx) (sms.ApprovalRule, bool) {
				return sms.ApprovalRule{Roles: []sms.Role{roleLead}, Quorum: 1, Exclude: []sms.Party{sms.PartyImplementer, sms.PartyRequester}}, true
			},
			Parties: func(tk *Ticket) sms.Participants {
				var ps sms.Participants
				ps.Add(sms.PartyImplementer, tk.Assignee, true)
				ps.Add(sms.PartyRequester, "rita", false)
				return ps
			},
			Decided:   func(_ *Ticket, actor string) bool { return actor == "leo" },
			Excluding: excluding,
		}
	}
	for _, worded := range []bool{false, true} {
		d := ticketDefinition()
		var excluding func(*ttx, sms.Party, bool) string
		if worded {
			excluding = func(_ *ttx, p sms.Party, acted bool) string {
				if acted {
					return "worked on it as " + string(p)
				}
				return "named as " + string(p)
			}
		}
		for i := range d.Rules {
			if d.Rules[i].Trigger == trReopen {
				d.Rules[i].Approval = gate(excluding)
			}
		}
		wf, err := sms.NewWorkflow(d)
		require.NoError(t, err)
		assert.Subset(t, wf.Cited(), []string{"TKT-11", "TKT-12", "TKT-13"}, "a gate's three citations are cited")
		env := newTicketEnvWith(t, wf, memstore.New[*Ticket](), sms.Options{})
		env.working(t, "T-1")
		_, err = env.m.Fire(bg(), alice, "T-1", trFinish, ticketCmd{Resolution: "fixed", Category: "hardware"})
		require.NoError(t, err)
		before := env.snap(t, "T-1")
		for _, c := range []struct {
			name   string
			a      sms.Actor
			cites  sms.Requirement
			reason string
		}{
			{"no role of the trigger", sms.Actor{ID: "nemo"}, reqLeadApproves, "the actor holds none of the roles this trigger accepts"},
			{"the implementer", sms.Actor{ID: "alice", Roles: []sms.Role{roleLead}}, notParty,
				map[bool]string{false: "the actor holds the record's implementer party by their own act on it, and may not decide on it", true: "worked on it as implementer"}[worded]},
			{"the named requester", sms.Actor{ID: "rita", Roles: []sms.Role{roleLead}}, notParty,
				map[bool]string{false: "the actor is named as the record's requester, and may not decide on it", true: "named as requester"}[worded]},
			{"who decided already", sms.Actor{ID: "leo", Roles: []sms.Role{roleLead}}, once, "the actor already decided on this record"},
		} {
			_, err := env.m.Fire(bg(), c.a, "T-1", trReopen, ticketCmd{Reason: "again"})
			var fe *sms.ForbiddenError
			require.ErrorAs(t, err, &fe, c.name)
			assert.Equal(t, c.cites, fe.Requirement, c.name)
			assert.Equal(t, c.reason, fe.Reason, c.name)
			assert.Equal(t, before, env.snap(t, "T-1"), c.name)
		}
		// From a status the trigger is not allowed in, an actor without
		// its roles is refused as forbidden, citing the gate too.
		env.working(t, "T-2")
		_, err = env.m.Fire(bg(), sms.Actor{ID: "nemo"}, "T-2", trReopen, ticketCmd{Reason: "again"})
		var fe *sms.ForbiddenError
		require.ErrorAs(t, err, &fe)
		assert.Equal(t, reqLeadApproves, fe.Requirement)
	}

	d := ticketDefinition()
	d.Catalogue = ticketCatalogue()
	d.Rules[5].Approval = gate(nil)
	d.Rules[5].Approval.Excluded = sms.Requirement{ID: "TKT-12"}
	_, err := sms.NewWorkflow(d)
	assert.ErrorIs(t, err, sms.ErrInvalid, "an excluded-party citation the catalogue lacks")
	d = ticketDefinition()
	d.Rules[5].Approval = gate(nil)
	d.Rules[5].Approval.Once = sms.Requirement{ID: "TKT-13"}
	_, err = sms.NewWorkflow(d)
	assert.ErrorIs(t, err, sms.ErrInvalid, "a second-decision citation without a clause")
}

func TestAudit(t *testing.T) {
	t.Parallel()
	env := newTicketEnv(t, sms.Options{})
	env.working(t, "T-1")
	_, err := env.m.Fire(bg(), alice, "T-1", trFinish, ticketCmd{Resolution: "fixed", Category: "hardware"})
	require.NoError(t, err)
	env.working(t, "T-2")
	env.file(t, "T-3")
	checks := []sms.Check[*Ticket]{
		{Name: "ticket-finished-by-assignee", Clause: "5.3", Rule: "a finished ticket was finished by its assignee", Cites: []string{"TKT-04"},
			Applies: func(tk *Ticket) bool { return tk.Status == stDone },
			Eval: func(tk *Ticket, x *sms.Examined) {
				if who := sms.ActorsOf(x.Journal, trFinish); len(who) != 1 || who[0] != tk.Assignee {
					x.Fail("TICKET_FINISHED_BY_ANOTHER", "TKT-04", "finished by someone other than the assignee")
				}
			}},
		{Name: "ticket-has-service", Clause: "8.6.1", Rule: "every ticket names its service", Cites: []string{"TKT-09"},
			Eval: func(tk *Ticket, x *sms.Examined) {
				if tk.ID == "T-2" {
					x.Fail("TICKET_WITHOUT_SERVICE", "TKT-09", "pretend")
				}
			}},
		{Name: "never-applies", Clause: "8.6.1", Rule: "nothing", Applies: func(*Ticket) bool { return false }, Eval: func(*Ticket, *sms.Examined) {}},
	}
	m, err := env.m.WithStore(smstest.Tampered[*Ticket](env.store, "T-3", func(tk *Ticket) { tk.Title = "forged" }))
	require.NoError(t, err)
	asOf := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	a := sms.NewAudit(asOf, ticketCatalogue())
	require.NoError(t, sms.ConformStore(bg(), a, m, sms.Query{}, checks))
	rep := a.Report()
	require.Len(t, rep.Results, 4)
	assert.Equal(t, sms.CheckRecordVerification, rep.Results[0].Check, "record verification comes first")
	assert.Equal(t, 3, rep.Results[0].Population)
	require.Len(t, rep.Results[0].Failures, 1)
	assert.Equal(t, "T-3", rep.Results[0].Failures[0].EntityID)
	assert.Equal(t, 1, rep.Results[1].Population, "only the finished ticket")
	assert.Empty(t, rep.Results[1].Failures)
	assert.Equal(t, 2, rep.Results[2].Population, "the forged record is not examined")
	require.Len(t, rep.Results[2].Failures, 1)
	assert.Equal(t, reqService, rep.Results[2].Failures[0].Requirement, "the catalogue's requirement")
	assert.Equal(t, asOf, rep.Results[2].Failures[0].At)
	assert.Equal(t, "never-applies", rep.Results[3].Check)
	assert.Zero(t, rep.Results[3].Population, "a check that examined nothing is reported")

	// ConformStoreFunc hands over every record that verified, with its
	// journal, and no other.
	var seen []string
	require.NoError(t, sms.ConformStoreFunc(bg(), sms.NewAudit(asOf, ticketCatalogue()), m, sms.Query{}, checks, func(tk *Ticket, j []sms.Entry) {
		require.NotEmpty(t, j)
		seen = append(seen, tk.ID)
	}))
	assert.ElementsMatch(t, []string{"T-1", "T-2"}, seen, "the forged T-3 is not visited")

	findings, err := sms.SweepStore(bg(), m, sms.Query{}, asOf, func(tk *Ticket, j []sms.Entry) []sms.Finding {
		return []sms.Finding{a.Finding("TICKET_SWEPT", "TKT-01", ticketKind, tk.ID, "swept")}
	})
	require.NoError(t, err)
	require.Len(t, findings, 3)
	assert.Equal(t, sms.CodeRecordUnverified, findings[0].Code, "unverified records first")
	assert.Equal(t, reqTitle, findings[1].Requirement)

	// ConformSweepStore: the same report in one pass, and the sweep of the
	// verified records its query matches, without the unverified finding.
	both := sms.NewAudit(asOf, ticketCatalogue())
	swept, err := sms.ConformSweepStore(bg(), both, m, checks, sms.Query{Status: []string{stDone}}, func(tk *Ticket, j []sms.Entry) []sms.Finding {
		require.NotEmpty(t, j)
		return []sms.Finding{a.Finding("TICKET_SWEPT", "TKT-01", ticketKind, tk.ID, "swept")}
	})
	require.NoError(t, err)
	assert.Equal(t, rep, both.Report())
	require.Len(t, swept, 1, "only the finished ticket matches the sweep's query")
	assert.Equal(t, "T-1", swept[0].EntityID)
	_, err = sms.ConformSweepStore(bg(), sms.NewAudit(asOf, nil), m, checks, sms.Query{}, nil)
	assert.ErrorIs(t, err, sms.ErrInvalid, "no sweep")
	_, err = sms.ConformSweepStore(bg(), sms.NewAudit(asOf, nil), m, checks, sms.Query{Limit: -1}, func(*Ticket, []sms.Entry) []sms.Finding { return nil })
	assert.ErrorIs(t, err, sms.ErrInvalid, "a sweep query that does not validate")

	one := sms.NewAudit(asOf, ticketCatalogue())
	tk, err := env.m.Get(bg(), "T-1")
	require.NoError(t, err)
	sms.Examine(one, checks, tk, nil)
	require.Len(t, one.Report().Results, 2, "a record checked on its own: no verification result, only checks that applied")
	assert.Equal(t, sms.Requirement{ID: "TKT-77"}, one.Requirement("TKT-77"), "an ID the catalogue lacks")
}

func TestAtomicallyHoldsNotificationsUntilTheCommit(t *testing.T) {
	t.Parallel()
	var seen []string
	obs := sms.ObserverFunc(func(_ context.Context, ev sms.Event) error {
		seen = append(seen, ev.EntityID+" "+ev.Entry.Trigger)
		return nil
	})
	env := newTicketEnv(t, sms.Options{Observer: obs})
	env.file(t, "T-1")
	seen = nil
	err := sms.Atomically(bg(), env.store, func(ctx context.Context) error {
		if _, err := env.m.Fire(ctx, rita, "T-1", trNote, ticketCmd{Text: "one"}); err != nil {
			return err
		}
		if _, err := env.m.Create(ctx, rita, ticketCmd{ID: "T-2", Title: "printer", Service: "printing"}); err != nil {
			return err
		}
		assert.Empty(t, seen, "nobody hears of a transition before the atomic commit stands")
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"T-1 note", "T-2 file"}, seen)

	seen = nil
	boom := errors.New("no")
	err = sms.Atomically(bg(), env.store, func(ctx context.Context) error {
		if _, err := env.m.Fire(ctx, rita, "T-1", trNote, ticketCmd{Text: "two"}); err != nil {
			return err
		}
		return boom
	})
	assert.ErrorIs(t, err, boom)
	assert.Empty(t, seen, "a transition rolled back is never announced")
	j, err := env.m.Journal(bg(), "T-1")
	require.NoError(t, err)
	assert.Len(t, j, 2)

	err = sms.Atomically(bg(), noKeys{env.store}, func(context.Context) error { return nil })
	assert.ErrorIs(t, err, sms.ErrInvalid, "a store without the capability")
	assert.False(t, sms.CanCommitAtomically(noKeys{env.store}))
	assert.True(t, sms.CanCommitAtomically(env.store))
}

// An observer notified after an atomic commit gets the caller's context,
// not the committed transaction's: what it writes is stored.
func TestAtomicallyNotifiesWithTheCallersContext(t *testing.T) {
	t.Parallel()
	type mark struct{}
	var env *ticketEnv
	var wrote error
	obs := sms.ObserverFunc(func(ctx context.Context, ev sms.Event) error {
		if ev.EntityID == "T-1" && ev.Entry.Trigger == trNote {
			assert.Equal(t, "caller", ctx.Value(mark{}), "the observer's context is the caller's")
			_, wrote = env.m.Fire(ctx, rita, "T-2", trNote, ticketCmd{Text: "heard of T-1"})
		}
		return nil
	})
	env = newTicketEnv(t, sms.Options{Observer: obs})
	env.file(t, "T-1")
	env.file(t, "T-2")
	ctx := context.WithValue(bg(), mark{}, "caller")
	require.NoError(t, sms.Atomically(ctx, env.store, func(ctx context.Context) error {
		_, err := env.m.Fire(ctx, rita, "T-1", trNote, ticketCmd{Text: "one"})
		return err
	}))
	require.NoError(t, wrote)
	j, err := env.m.Journal(bg(), "T-2")
	require.NoError(t, err)
	assert.Len(t, j, 2, "the observer's own transition is stored")
}

func TestGuardCitesWhatTheRecordNames(t *testing.T) {
	t.Parallel()
	named := sms.Requirement{ID: "PRB-13", Clause: "8.6.3", Text: "problem-resolution effectiveness is reviewed"}
	d := ticketDefinition()
	d.Rules[2].Guards = append(d.Rules[2].Guards, sms.Guard[*Ticket]{Requirement: reqResolution,
		Check: func(*ttx) bool { return false },
		Cite: func(t *ttx) sms.Requirement {
			if t.Entity.Labels["evidences"] == "PRB-13" {
				return named
			}
			return sms.Requirement{}
		}})
	wf, err := sms.NewWorkflow(d)
	require.NoError(t, err)
	env := newTicketEnvWith(t, wf, memstore.New[*Ticket](), sms.Options{})
	_, err = env.m.Create(bg(), rita, ticketCmd{ID: "T-1", Title: "t", Service: "s", Labels: map[string]string{"evidences": "PRB-13"}})
	require.NoError(t, err)
	_, err = env.m.Fire(bg(), alice, "T-1", trStart, ticketCmd{Assignee: "alice"})
	require.NoError(t, err)
	_, err = env.m.Fire(bg(), alice, "T-1", trFinish, ticketCmd{Resolution: "r", Category: "c"})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"PRB-13"}, ge.IDs(), "the requirement the record names")

	env.file(t, "T-2")
	_, err = env.m.Fire(bg(), alice, "T-2", trStart, ticketCmd{Assignee: "alice"})
	require.NoError(t, err)
	_, err = env.m.Fire(bg(), alice, "T-2", trFinish, ticketCmd{Resolution: "r", Category: "c"})
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"TKT-03"}, ge.IDs(), "the declared one when the record names none")
}

func TestDefinitionCiteMapsEveryRefusal(t *testing.T) {
	t.Parallel()
	named := sms.Requirement{ID: "PRB-13", Clause: "8.6.3", Text: "problem-resolution effectiveness is reviewed"}
	d := ticketDefinition()
	d.Cite = func(tk *Ticket, declared sms.Requirement) sms.Requirement {
		if tk.Labels["evidences"] == "PRB-13" {
			return named
		}
		return declared
	}
	d.Rules[3].Segregation = []sms.Segregation[*Ticket]{{Requirement: reqNotOwnCancel, Check: func(t *ttx) string {
		if t.Actor.ID == "lena" {
			return "lena may not"
		}
		return ""
	}}}
	wf, err := sms.NewWorkflow(d)
	require.NoError(t, err)
	env := newTicketEnvWith(t, wf, memstore.New[*Ticket](), sms.Options{})
	_, err = env.m.Create(bg(), rita, ticketCmd{ID: "T-1", Title: "t", Service: "s", Labels: map[string]string{"evidences": "PRB-13"}})
	require.NoError(t, err)

	_, err = env.m.Fire(bg(), alice, "T-1", trStart, ticketCmd{})
	var ge *sms.GuardError
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"PRB-13"}, ge.IDs(), "a guard's refusal, mapped (and deduplicated)")
	_, err = env.m.Fire(bg(), lena, "T-1", trCancel, ticketCmd{Reason: "x"})
	var fe *sms.ForbiddenError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, named, fe.Requirement, "a segregation refusal, mapped")
	_, err = env.m.Fire(bg(), lena, "T-1", trReopen, ticketCmd{})
	var te *sms.TransitionError
	require.ErrorAs(t, err, &te)
	_, err = env.m.Fire(bg(), lena, "T-1", trCancel, ticketCmd{Reason: "x"})
	require.ErrorAs(t, err, &fe)
	_, err = env.m.Create(bg(), rita, ticketCmd{ID: "T-2", Labels: map[string]string{"evidences": "PRB-13"}})
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"PRB-13"}, ge.IDs(), "a creation's required field, mapped through the working copy")

	env.file(t, "T-3")
	_, err = env.m.Fire(bg(), alice, "T-3", trStart, ticketCmd{})
	require.ErrorAs(t, err, &ge)
	assert.Equal(t, []string{"TKT-02"}, ge.IDs(), "a record that names nothing: the declared citation")
}

func TestMachineDoFindsTheTriggerByType(t *testing.T) {
	t.Parallel()
	d := sms.Definition[*Door]{}
	_ = d
	wf := doorWorkflow()
	m, err := sms.NewMachine(wf, memstore.New[*Door](), sms.Options{})
	require.NoError(t, err)
	keeperKim := sms.Actor{ID: "kim", Roles: []sms.Role{keeper}}
	// Every door trigger takes DoorCommand: no single trigger takes it.
	_, err = m.Do(bg(), keeperKim, "", DoorCommand{Room: "hall"})
	assert.ErrorIs(t, err, sms.ErrInvalid)

	env := newTicketEnv(t, sms.Options{})
	_, err = env.m.Do(bg(), rita, "", nil)
	assert.ErrorIs(t, err, sms.ErrInvalid, "a nil command")
	_, err = env.m.Do(bg(), rita, "", ticketCmd{ID: "T-1", Title: "t"})
	assert.ErrorIs(t, err, sms.ErrInvalid, "the ticket's one command type names every trigger")

	s := newTicketEnvWith(t, singleWorkflow(t), memstore.New[*Ticket](), sms.Options{})
	tk, err := s.m.Do(bg(), rita, "", fileCmd{ticketCmd{ID: "T-1", Title: "t", Service: "s"}})
	require.NoError(t, err, "an empty id with the creating command creates")
	_, err = s.m.Do(bg(), rita, "T-1", fileCmd{ticketCmd{ID: "T-9", Title: "t"}})
	assert.ErrorIs(t, err, sms.ErrInvalid, "a creating command with an id")
	_, err = s.m.Do(bg(), rita, "", noteCmd{ticketCmd{Text: "x"}})
	assert.ErrorIs(t, err, sms.ErrInvalid, "another command without an id")
	got, err := s.m.Do(bg(), rita, tk.ID, noteCmd{ticketCmd{Text: "x"}})
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
}

type fileCmd struct{ ticketCmd }
type noteCmd struct{ ticketCmd }

// singleWorkflow gives the creation and the note commands types of their
// own.
func singleWorkflow(t testing.TB) *sms.Workflow[*Ticket] {
	t.Helper()
	d := ticketDefinition()
	for i := range d.Rules {
		switch d.Rules[i].Trigger {
		case trFile:
			d.Rules[i].Command = fileCmd{}
			apply := d.Rules[i].Apply
			d.Rules[i].Apply = func(t *ttx) {
				c, _ := t.Command.(fileCmd)
				t.Command = c.ticketCmd
				apply(t)
			}
		case trNote:
			d.Rules[i].Command = noteCmd{}
			apply, guards := d.Rules[i].Apply, d.Rules[i].Guards
			d.Rules[i].Guards = []sms.Guard[*Ticket]{{Requirement: guards[0].Requirement, Check: func(t *ttx) bool {
				c, _ := t.Command.(noteCmd)
				return c.Text != ""
			}}}
			d.Rules[i].Apply = func(t *ttx) {
				c, _ := t.Command.(noteCmd)
				t.Command = c.ticketCmd
				apply(t)
			}
		}
	}
	wf, err := sms.NewWorkflow(d)
	require.NoError(t, err)
	return wf
}
