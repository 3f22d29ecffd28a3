package review_test

import (
	"errors"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommandOfAnotherTrigger: a command of another trigger's type is
// refused as invalid input by the generic entry points, and changes
// nothing.
func TestCommandOfAnotherTrigger(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.to(t, subjectPRB, review.StatusPerformed)
	wf, err := review.Workflow(prb13)
	require.NoError(t, err)
	m, err := sms.NewMachine(wf, f.store, sms.Options{Now: f.clk.Now})
	require.NoError(t, err)
	before := f.snap(t, r.ID)

	// A note fired as close would have closed the review.
	_, err = m.Fire(f.ctx, boss, r.ID, string(review.TriggerClose), review.Note{Text: "minutes"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	var ve *sms.ValidationError
	assert.ErrorAs(t, err, &ve)
	for _, tr := range review.Triggers()[1:] {
		var other review.Command = review.Note{Text: "x"}
		if tr == review.TriggerNote {
			other = review.Closure{}
		}
		_, err := m.Fire(f.ctx, boss, r.ID, string(tr), other)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%s given a %T", tr, other)
	}
	f.requireUnchanged(t, r.ID, before)

	_, err = m.Create(f.ctx, owner, review.Note{Text: "x"})
	assert.ErrorIs(t, err, sms.ErrInvalid)
	page, err := f.svc.List(f.ctx, review.Query{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "a refused create stored nothing")

	for _, rule := range wf.Rules() {
		c, ok := rule.Command.(review.Command)
		require.True(t, ok, "rule %s declares %T", rule.Trigger, rule.Command)
		assert.Equal(t, rule.Trigger, string(c.Trigger()))
	}
}

// TestPerformerTookPart: the actor who records that a review took place is
// its owner or one who took part; the participants are names typed into
// the command, so someone else recording them is refused with a
// *sms.ForbiddenError citing the requirement the review evidences, and
// changes nothing.
func TestPerformerTookPart(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	vic := actor("vic", review.RoleOwner) // may run reviews, but not this one
	for _, subject := range []string{subjectPRB, subjectCHG} {
		r := f.to(t, subject, review.StatusPlanned)
		before := f.snap(t, r.ID)
		for _, who := range []sms.Actor{vic, boss} {
			_, err := f.svc.Perform(f.ctx, who, r.ID, validCommand(review.TriggerPerform).(review.Performance))
			fe := smstest.RequireForbidden(t, err)
			assert.False(t, errors.Is(err, sms.ErrGuard))
			assert.Equal(t, who.ID, fe.Actor)
			assert.Equal(t, map[string]string{subjectPRB: "PRB-13", subjectCHG: "CHG-14"}[subject], fe.Requirement.ID)
			assert.NotEmpty(t, fe.Requirement.Clause)
			assert.NotEmpty(t, fe.Reason)
		}
		f.requireUnchanged(t, r.ID, before)
	}

	// pam planned for herself: raiser and owner, having acted.
	r := f.to(t, subjectPRB, review.StatusPlanned)
	assert.Equal(t, sms.Participants{{Party: sms.PartyRaiser, ID: "pam", Acted: true}, {Party: sms.PartyOwner, ID: "pam", Acted: true}}, r.Parties)
	// A participant records it.
	ana := actor("ana", review.RoleOwner)
	perf := validCommand(review.TriggerPerform).(review.Performance)
	got, err := f.svc.Perform(f.ctx, ana, r.ID, perf)
	require.NoError(t, err)
	assert.Equal(t, "ana", got.PerformedBy)
	assert.Equal(t, []string{"ana"}, got.Parties.Acted(sms.PartyReviewer))
	assert.Equal(t, []string{"ana", "pam"}, got.Parties.Of(sms.PartyReviewer), "the performer and the participants named")

	// The owner records a review she did not attend.
	r = f.to(t, subjectPRB, review.StatusPlanned)
	perf.Participants = []string{"ana", "sol"}
	got, err = f.svc.Perform(f.ctx, owner, r.ID, perf)
	require.NoError(t, err)
	assert.Equal(t, []string{"pam"}, got.Parties.Acted(sms.PartyReviewer))

	// Planned by ida for pam: ida is the raiser, pam the owner named.
	planned, err := f.svc.Plan(f.ctx, boss, plan(subjectPRB))
	require.NoError(t, err)
	assert.Equal(t, []string{"ida"}, planned.Parties.Acted(sms.PartyRaiser))
	assert.Equal(t, []string{"pam"}, planned.Parties.Of(sms.PartyOwner))
	assert.Empty(t, planned.Parties.Acted(sms.PartyOwner))

	c := got.Clone()
	c.Parties[0].ID = "changed"
	assert.Equal(t, "pam", got.Parties[0].ID, "Clone copies the parties")

	rep, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
}

// TestBadInputRefused: white space is not a note, an action number has a
// bound, and schedules are validated field by field.
func TestBadInputRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.to(t, subjectPRB, review.StatusPerformed)
	before := f.snap(t, r.ID)
	for _, c := range []review.Command{
		review.Note{Text: " \t\n"},
		review.ActionUpdate{Number: review.MaxItems + 1, Done: true},
		review.ActionUpdate{Number: 1 << 40, Done: true},
	} {
		_, err := f.svc.Do(f.ctx, boss, r.ID, c)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%#v", c)
	}
	f.requireUnchanged(t, r.ID, before)

	bad := map[string]func(*review.Schedule){
		"interval beyond the bound": func(s *review.Schedule) { s.Interval = review.MaxInterval + 1 },
		"grace beyond the bound":    func(s *review.Schedule) { s.Grace = review.MaxInterval + 1 },
		"start in year 10000":       func(s *review.Schedule) { s.Start = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) },
		"malformed code":            func(s *review.Schedule) { s.Code = "OVERDUE\n" },
		"malformed requirement ID":  func(s *review.Schedule) { s.Requirement.ID = " PRB-13" },
		"malformed clause":          func(s *review.Schedule) { s.Requirement.Clause = "8.6.3\x00" },
	}
	for name, edit := range bad {
		ss := schedules()
		edit(&ss[0])
		assert.ErrorIs(t, ss[0].Validate(), sms.ErrInvalid, name)
		_, err := review.NewService(f.store, review.Config{Schedules: ss})
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
		_, err = review.Sweep(ss, nil, t0)
		assert.ErrorIs(t, err, sms.ErrInvalid, name)
	}
	ok := schedules()
	ok[0].Interval, ok[0].Grace = review.MaxInterval, review.MaxInterval
	require.NoError(t, ok[0].Validate())
}

// TestConformOnVerifiedRecords: Conform, Sweep and Standings draw their
// evidence from records that verify against their journals. A record
// edited outside the pipeline (a forged field, a forged status) is a
// RECORD_UNVERIFIED finding, listed first, counted by no other check and
// satisfying no schedule; the run goes on and still checks the others.
func TestConformOnVerifiedRecords(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	forgedField := f.to(t, subjectCHG, review.StatusClosed) // the only change-trend review
	forgedStatus := f.to(t, subjectPRB, review.StatusPlanned)
	kept := f.to(t, subjectPRB, review.StatusPerformed)
	cancelled := f.to(t, subjectPRB, review.StatusCancelled)

	var st sms.Store[*review.Review] = f.store
	st = smstest.Tampered(st, forgedField.ID, func(r *review.Review) { r.Conclusions = "all is well" })
	st = smstest.Tampered(st, forgedStatus.ID, func(r *review.Review) { r.Status = review.StatusCancelled })
	svc, err := review.NewService(st, review.Config{Schedules: schedules(), Options: sms.Options{Now: f.clk.Now}})
	require.NoError(t, err)

	rep, err := svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	v := rep.Results[0]
	assert.Equal(t, sms.CheckRecordVerification, v.Check)
	assert.Equal(t, 4, v.Population)
	var unverified []string
	for _, fd := range v.Failures {
		assert.Equal(t, sms.CodeRecordUnverified, fd.Code)
		assert.Equal(t, "SMS-REC", fd.Requirement.ID)
		assert.NotEmpty(t, fd.Detail)
		unverified = append(unverified, fd.EntityID)
	}
	assert.ElementsMatch(t, []string{forgedField.ID, forgedStatus.ID}, unverified)
	pop := map[string]int{}
	for _, r := range rep.Results[1:] {
		pop[r.Check] = r.Population
		for _, fd := range r.Failures {
			assert.NotContains(t, unverified, fd.EntityID, "an unverified record is counted by %s", r.Check)
		}
	}
	assert.Equal(t, map[string]int{"review-record": 2, "review-performed": 1, "review-actions-followed-up": 0, "review-cancellation": 1}, pop,
		"the forged cancellation is not judged; %s and %s still are", kept.ID, cancelled.ID)
	assert.False(t, rep.Passed())

	// The forged closed change-trend review satisfies no schedule.
	asOf := f.clk.Now()
	swept, err := svc.Sweep(f.ctx, asOf)
	require.NoError(t, err)
	require.Len(t, swept, 2)
	assert.Equal(t, sms.CodeRecordUnverified, swept[0].Code, "unverified records come first")
	assert.Equal(t, forgedField.ID, swept[0].EntityID)
	assert.Equal(t, codeCHG, swept[1].Code, "the change-trend schedule is overdue: its only review does not verify")
	clean, err := f.svc.Sweep(f.ctx, asOf)
	require.NoError(t, err)
	assert.Empty(t, clean, "on the untouched store the review satisfies it")
	standings, err := svc.Standings(f.ctx, asOf)
	require.NoError(t, err)
	require.Len(t, standings, 2)
	assert.Empty(t, standings[0].Last, "the forged review is not the last performed")
	assert.Equal(t, kept.ID, standings[1].Last)
}

// TestCheckPerformer: the package function, which trusts its input, reads
// the performer from the record; a performer who is neither the owner nor
// a participant is a finding.
func TestCheckPerformer(t *testing.T) {
	t.Parallel()
	r := &review.Review{Status: review.StatusPerformed, Subject: subjectPRB, Requirement: prb13, Owner: "pam",
		Period: review.Period{From: t0.Add(-30 * day), To: t0}, Inputs: review.Inputs{Summary: "report"},
		Conclusions: "fine", Participants: []string{"ana"}, PerformedAt: t0.Add(time.Hour), PerformedBy: "ana"}
	r.ID = "REV-1"
	fs, err := review.Check(r, t0)
	require.NoError(t, err)
	assert.Empty(t, fs, "a participant performed it")
	r.PerformedBy = "pam"
	fs, err = review.Check(r, t0)
	require.NoError(t, err)
	assert.Empty(t, fs, "the owner performed it")
	r.PerformedBy = "ida"
	fs, err = review.Check(r, t0)
	require.NoError(t, err)
	require.Len(t, fs, 1)
	assert.Equal(t, review.CodePerformanceIncomplete, fs[0].Code)
	assert.Equal(t, "PRB-13", fs[0].Requirement.ID)
}
