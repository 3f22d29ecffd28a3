package change

import (
	"context"
	"errors"

	"github.com/iso20k/sms"
)

// Look-ups. Some change rules read another record before their guards
// run: submit_standard and start_implementation the standard change's
// template (CHG-18), authorize the transition plan of a change routed to
// design and transition (CHG-05), schedule the other changes scheduled on
// the same services and configuration items (CHG-08); the plan workflow's
// start_transition asks the host whether the release is approved (SDT-05).
// Each is the rule's Prepare, run by the pipeline after the change is
// loaded and the actor's roles checked: what it finds is on the
// transition (t.Prepared) for the guards and effects, what it does not
// find the guards judge, and a failure to look (a store, the host, the
// context) ends the transition with that error. Nothing is read outside
// the pipeline, and no command carries what was looked up.
//
// What Prepare reads is not part of the transition's atomic commit:
// another writer may change the template, the plan or the schedule of
// another change between the read and the commit, and the transition is
// judged on what was read. [Service.Conform] re-examines the stored
// records.

// looker reads the records the change rules look up. The workflows
// compiled for introspection ([Workflow], [PlanWorkflow]) have none: their
// look-ups find nothing.
type looker interface {
	template(ctx context.Context, id string) (*Template, error)
	plan(ctx context.Context, id string) (*TransitionPlan, error)
	conflicts(ctx context.Context, c *Change, w Window) ([]string, error)
}

// found is what a change rule's Prepare found, for its guards and effects.
type found struct {
	// template is the standard change's template; nil when not found.
	template *Template
	// plan is the change's transition plan; nil when not found.
	plan *TransitionPlan
	// conflicts are the changes a schedule overlaps (CHG-08).
	conflicts []string
}

// nothing is what a transition that prepared nothing found.
var nothing found

// foundOf returns what the transition's Prepare found.
func foundOf(t *tx) *found {
	if f, ok := t.Prepared.(*found); ok && f != nil {
		return f
	}
	return &nothing
}

// absent reports whether a look-up found no record: the ID names none, or
// none that can be stored.
func absent(err error) bool { return errors.Is(err, sms.ErrNotFound) || errors.Is(err, sms.ErrInvalid) }

// prepareTemplate reads the template the change names; with
// standardOnly, only a standard change's (the only one that runs from its
// template, CHG-18).
func prepareTemplate(l looker, standardOnly bool) func(context.Context, *tx) error {
	return func(ctx context.Context, t *tx) error {
		c := t.Entity
		if l == nil || c.Template == "" || (standardOnly && c.ModelType != ModelStandard) {
			return nil
		}
		tpl, err := l.template(ctx, c.Template)
		switch {
		case absent(err):
			return nil
		case err != nil:
			return err
		}
		t.Prepared = &found{template: tpl}
		return nil
	}
}

// preparePlan reads the transition plan of a change routed to design and
// transition (CHG-05).
func preparePlan(p *Policy, l looker) func(context.Context, *tx) error {
	return func(ctx context.Context, t *tx) error {
		c := t.Entity
		if l == nil || c.TransitionPlan == "" || !p.routed(c) {
			return nil
		}
		tp, err := l.plan(ctx, c.TransitionPlan)
		switch {
		case absent(err):
			return nil
		case err != nil:
			return err
		}
		t.Prepared = &found{plan: tp}
		return nil
	}
}

// prepareConflicts finds the changes a new schedule overlaps (CHG-08).
func prepareConflicts(l looker) func(context.Context, *tx) error {
	return func(ctx context.Context, t *tx) error {
		w := cmd[Scheduling](t).Window
		if l == nil || !w.End.After(w.Start) {
			return nil
		}
		ids, err := l.conflicts(ctx, t.Entity, w)
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			t.Prepared = &found{conflicts: ids}
		}
		return nil
	}
}

// The service's stores answer the look-ups.

func (s *Service) template(ctx context.Context, id string) (*Template, error) {
	return s.templates.m.Get(ctx, id)
}

func (s *Service) plan(ctx context.Context, id string) (*TransitionPlan, error) {
	return s.plans.m.Get(ctx, id)
}

func (s *Service) conflicts(ctx context.Context, c *Change, w Window) ([]string, error) {
	return s.Conflicts(ctx, c, w)
}

// prepareRelease asks the host whether the release a transition starts
// through is approved for deployment (SDT-05); t.Prepared is then true.
func prepareRelease(releases ReleaseLookup) func(context.Context, *ptx) error {
	return func(ctx context.Context, t *ptx) error {
		id := pcmd[TransitionStart](t).Release
		if releases == nil || id == "" || sms.ValidateID(id) != nil {
			return nil
		}
		ok, err := releases.ReleaseApproved(ctx, id)
		if err != nil {
			return err
		}
		t.Prepared = ok
		return nil
	}
}

// releaseApproved reports whether the host said the release is approved.
func releaseApproved(t *ptx) bool {
	ok, _ := t.Prepared.(bool)
	return ok
}
