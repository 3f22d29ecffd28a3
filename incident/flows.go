package incident

import (
	"context"
	"errors"
	"time"

	"github.com/iso20k/sms"
)

// Unassign returns the incident to the queue: its group and assignee are
// removed and its status is new (trigger unassign). It is refused with a
// [*sms.ValidationError] unless [Policy].Unassign allows it.
func (s *Service) Unassign(ctx context.Context, a sms.Actor, id string, c Unassignment) (*Incident, error) {
	if !s.policy.Unassign {
		return nil, sms.Invalid(Kind, "policy.unassign", "is off: the policy does not let an incident return to the queue")
	}
	return s.m.Fire(ctx, a, id, string(TriggerUnassign), c)
}

// ResumeNote is the note [Service.ResumeDue] resumes an incident with.
const ResumeNote = "the hold's resume time was reached"

// ResumeDue resumes, as a, every incident on hold whose resume time
// ([Suspension].Until) is at or before asOf: the sweep behind a snooze.
// It returns the IDs it resumed, in ID order. An incident it may not
// resume (one held before assignment, see [Policy].HoldFromNew; one
// another writer changed meanwhile) is left as it is, and its error is
// joined into the error returned, after every other incident was tried;
// a store's failure to list stops the sweep.
func (s *Service) ResumeDue(ctx context.Context, a sms.Actor, asOf time.Time) ([]string, error) {
	if err := a.Validate(); err != nil {
		return nil, err
	}
	var due []string
	err := s.Each(ctx, Query{Status: []Status{StatusOnHold}}, func(i *Incident) bool {
		if !i.HoldUntil.IsZero() && !i.HoldUntil.After(asOf) {
			due = append(due, i.ID)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	var resumed []string
	var errs []error
	for _, id := range due {
		if _, err := s.Resume(ctx, a, id, Resumption{Note: ResumeNote}); err != nil {
			if ctx.Err() != nil {
				return resumed, ctx.Err()
			}
			errs = append(errs, err)
			continue
		}
		resumed = append(resumed, id)
	}
	return resumed, errors.Join(errs...)
}

// Succeed records a new incident that succeeds the closed incident
// closedID, as when a caller writes again about a closed matter: INC-16
// keeps the closed incident closed (it is read, not changed), and the
// successor carries the link reopened_from to it. The report is that of
// the new incident; its Service, Reporter and ConfigItems default to the
// closed incident's, and its ReopenedFrom is closedID (a report naming
// another is refused). An incident that is not closed is refused with a
// [*sms.ValidationError] saying what to do instead.
func (s *Service) Succeed(ctx context.Context, a sms.Actor, closedID string, r Report) (*Incident, error) {
	if err := sms.ValidateID(closedID); err != nil {
		return nil, err
	}
	if r.ReopenedFrom != "" && r.ReopenedFrom != closedID {
		return nil, sms.Invalid(Kind, "reopened_from", "names %s, not the closed incident %s", r.ReopenedFrom, closedID)
	}
	prev, err := s.Get(ctx, closedID)
	if err != nil {
		return nil, err
	}
	switch prev.Status {
	case StatusClosed:
	case StatusResolved:
		return nil, sms.Invalid(Kind, "reopened_from", "%s is resolved, not closed: reopen it (INC-16)", closedID)
	default:
		return nil, sms.Invalid(Kind, "reopened_from", "%s is %s, not closed: work goes on in it", closedID, prev.Status)
	}
	if r.Service == "" {
		r.Service = prev.Service
	}
	if r.Reporter == "" {
		r.Reporter = prev.Reporter
	}
	if r.ConfigItems == nil {
		r.ConfigItems = prev.ConfigItems
	}
	r.ReopenedFrom = closedID
	return s.Log(ctx, a, r)
}

// Successors returns the IDs of the incidents that succeed id (whose
// reopened_from link names it), in ID order.
func (s *Service) Successors(ctx context.Context, id string) ([]string, error) {
	if err := sms.ValidateID(id); err != nil {
		return nil, err
	}
	var out []string
	err := s.Each(ctx, Query{Link: sms.Link{Type: LinkReopenedFrom, ID: id}}, func(i *Incident) bool {
		out = append(out, i.ID)
		return true
	})
	return out, err
}
