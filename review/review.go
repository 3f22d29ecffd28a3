package review

import (
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Kind is the entity kind of reviews, as stored.
const Kind sms.Kind = "review"

// ScheduleKind is the kind that sweep findings name: an overdue review is a
// finding against a [Schedule], not against a stored review.
const ScheduleKind sms.Kind = "review_schedule"

// Status is a review's workflow status. The values are persisted: they are
// never renamed or reused.
type Status string

// Review statuses.
const (
	StatusPlanned   Status = "planned"
	StatusPerformed Status = "performed"
	StatusClosed    Status = "closed"
	StatusCancelled Status = "cancelled"
)

// Statuses returns every status, in lifecycle order.
func Statuses() []Status {
	return []Status{StatusPlanned, StatusPerformed, StatusClosed, StatusCancelled}
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool { return slices.Contains(Statuses(), s) }

// Performed reports whether a review in status s took place: performed or
// closed. Only such reviews satisfy a [Schedule].
func (s Status) Performed() bool { return s == StatusPerformed || s == StatusClosed }

// Trigger names a transition. The values are persisted in journals: they
// are never renamed or reused.
type Trigger string

// Review triggers; each has a typed method on [Service] and a command type.
const (
	TriggerPlan         Trigger = "plan"
	TriggerPerform      Trigger = "perform"
	TriggerUpdateAction Trigger = "update_action"
	TriggerClose        Trigger = "close"
	TriggerCancel       Trigger = "cancel"
	TriggerNote         Trigger = "note"
)

// Triggers returns every trigger, the creating one first.
func Triggers() []Trigger {
	return []Trigger{TriggerPlan, TriggerPerform, TriggerUpdateAction, TriggerClose, TriggerCancel, TriggerNote}
}

// Roles the review workflow accepts. The host maps its own groups onto
// them: for a problem-effectiveness review the problem manager is usually
// the owner, for a change-trend review the change manager.
const (
	// RoleOwner plans, follows up, closes and cancels reviews, and performs
	// those it owns or takes part in.
	RoleOwner sms.Role = "review_owner"
	// RoleParticipant takes part in reviews and adds notes.
	RoleParticipant sms.Role = "review_participant"
)

// Link types a review carries, so that stores list reviews by subject, by
// the records they examined and by the records their actions point to.
const (
	// LinkSubject links the review's subject, such as
	// "problem_effectiveness".
	LinkSubject = "subject"
	// LinkInput links a record or report the review examined.
	LinkInput = "input"
	// LinkAction links a record that tracks one of the review's actions: an
	// improvement, a problem, a change.
	LinkAction = "action"
)

// Period is the span of time a review covers: From inclusive, To
// exclusive; see [sms.Period].
type Period = sms.Period

// Inputs are what a review examined: the summary of the report it was
// given (such as problem.EffectivenessReport.Summary or
// change.Trends.Summary) and references to the records or report
// instances behind it.
type Inputs struct {
	Summary string   `json:"summary"`
	Refs    []string `json:"refs,omitempty"`
}

// Action is one action a review agreed: what is to be done, by whom, by
// when, and where it is tracked when another record carries it (an
// improvement, a problem, a change). Number is its position in the review,
// from 1.
type Action struct {
	Number int       `json:"number"`
	Text   string    `json:"text"`
	Owner  string    `json:"owner"`
	Due    time.Time `json:"due,omitzero"`
	// Ref is the ID of the record that tracks the action, if any.
	Ref string `json:"ref,omitempty"`
	// Done is set when the owner reports the action done.
	Done   bool      `json:"done,omitempty"`
	DoneAt time.Time `json:"done_at,omitzero"`
	Note   string    `json:"note,omitempty"`
}

// tracked reports whether the action is done or carried by another record.
func (a Action) tracked() bool { return a.Done || a.Ref != "" }

// Review is the record of one periodic review: of the effectiveness of
// problem resolution, of change trends, of anything an organisation must
// review at an interval. Its fields are written by the workflow's
// transitions only; a host reads them.
type Review struct {
	sms.Meta
	Status Status `json:"status"`

	// Subject names what is reviewed, such as "problem_effectiveness" or
	// "change_trends"; Scope optionally narrows it to a service or a
	// process. A [Schedule] names the same pair.
	Subject string `json:"subject"`
	Scope   string `json:"scope,omitempty"`
	// Requirement is the requirement the review evidences, taken from its
	// schedule when it was planned, such as PRB-13 (8.6.3).
	Requirement sms.Requirement `json:"requirement"`
	// Owner is the person accountable for the review.
	Owner  string `json:"owner"`
	Period Period `json:"period"`

	// Performed: what was examined, what was concluded, what was agreed,
	// who took part, when and who recorded it.
	Inputs       Inputs    `json:"inputs,omitzero"`
	Conclusions  string    `json:"conclusions,omitempty"`
	Actions      []Action  `json:"actions,omitempty"`
	Participants []string  `json:"participants,omitempty"`
	PerformedAt  time.Time `json:"performed_at,omitzero"`
	PerformedBy  string    `json:"performed_by,omitempty"`

	ClosedAt     time.Time `json:"closed_at,omitzero"`
	CancelReason string    `json:"cancel_reason,omitempty"`

	// Links: the subject, each input reference and each action reference.
	Links []sms.Link `json:"links,omitempty"`

	// Parties are the people who hold a party role on the review, as the
	// transitions established them: the planner ([sms.PartyRaiser], the
	// actor who planned it), the owner ([sms.PartyOwner], the person the
	// plan names, marked as having acted when they planned it themselves)
	// and the reviewers ([sms.PartyReviewer]: the actor who recorded the
	// performance, and each participant it names). The state digest binds
	// them to the journal.
	Parties sms.Participants `json:"parties,omitempty"`
}

// EntityKind implements [sms.Entity].
func (*Review) EntityKind() sms.Kind { return Kind }

// State implements [sms.Entity].
func (r *Review) State() string { return string(r.Status) }

// SetState implements [sms.Entity].
func (r *Review) SetState(s string) { r.Status = Status(s) }

// Attributes implements [sms.Entity]: the scope as the service, the owner,
// and the links (the subject among them), so that stores list the reviews
// of a subject, a scope or an owner, and those that examined or point to a
// record.
func (r *Review) Attributes() sms.Attributes {
	return sms.Attributes{Service: r.Scope, Owner: r.Owner, Links: r.Links}
}

// reviewBlock holds a review and room for the usual lengths of its lists,
// so that a clone takes one allocation.
type reviewBlock struct {
	r       Review
	links   [4]sms.Link
	actions [2]Action
	refs    [2]string
	people  [3]string
	parties [5]sms.Participant
}

// into copies src into the array behind dst when it fits, capped so that an
// append reallocates instead of writing past it, and into a new array
// otherwise. A nil src stays nil.
func into[T any](dst []T, src []T) []T {
	switch {
	case src == nil:
		return nil
	case len(src) <= len(dst):
		n := copy(dst, src)
		return dst[:n:n]
	}
	return slices.Clone(src)
}

// SetLinks implements [sms.LinkSetter].
func (r *Review) SetLinks(links []sms.Link) { r.Links = links }

// Clone implements [sms.Entity]. The review and its lists share one
// allocation when the lists are of the usual lengths.
func (r *Review) Clone() *Review {
	b := &reviewBlock{r: *r}
	c := &b.r
	c.Inputs.Refs = into(b.refs[:], r.Inputs.Refs)
	c.Actions = into(b.actions[:], r.Actions)
	c.Participants = into(b.people[:], r.Participants)
	c.Links = into(b.links[:], r.Links)
	c.Parties = into(b.parties[:], r.Parties)
	return c
}

// mayRecordPerformance reports whether id may record that the review took
// place, given the participants the performance names: the review's owner,
// or one who took part.
func (r *Review) mayRecordPerformance(id string, participants []string) bool {
	return id != "" && (id == r.Owner || r.Parties.Has(sms.PartyOwner, id) || slices.Contains(participants, id))
}

// Key returns the review's subject and scope as a schedule names them:
// "subject", or "subject/scope".
func (r *Review) Key() string { return key(r.Subject, r.Scope) }

func key(subject, scope string) string {
	if scope == "" {
		return subject
	}
	return subject + "/" + scope
}

// HasLink reports whether the review links the record.
func (r *Review) HasLink(typ, id string) bool {
	return slices.Contains(r.Links, sms.Link{Type: typ, ID: id})
}

func (r *Review) addLink(typ, id string) {
	if id != "" && !r.HasLink(typ, id) {
		r.Links = append(r.Links, sms.Link{Type: typ, ID: id})
	}
}

// OpenActions returns the actions neither done nor tracked by another
// record.
func (r *Review) OpenActions() []Action {
	var out []Action
	for _, a := range r.Actions {
		if !a.tracked() {
			out = append(out, a)
		}
	}
	return out
}
