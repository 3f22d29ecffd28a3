package review

import (
	"time"
	"unicode/utf8"

	"github.com/iso20k/sms"
)

// Command is the typed input of one review trigger. Every command type of
// this package implements it, and only they do; [Service.Do] runs any of
// them, the typed methods one each.
type Command interface {
	sms.Command
	// Trigger returns the trigger the command fires.
	Trigger() Trigger
	command()
}

// Size limits of command fields.
const (
	MaxText  = 64 << 10 // free text, in bytes: conclusions, summaries, notes
	MaxItems = 1000     // entries of a list: actions, participants, references
)

func checkText(field, s string) error {
	if len(s) > MaxText {
		return sms.Invalid(Kind, field, "is longer than %d bytes", MaxText)
	}
	if !utf8.ValidString(s) {
		return sms.Invalid(Kind, field, "is not valid UTF-8")
	}
	return nil
}

func checkRef(field, id string) error {
	if id == "" {
		return nil
	}
	if err := sms.ValidateID(id); err != nil {
		return sms.Invalid(Kind, field, "%s", err.(*sms.ValidationError).Problem)
	}
	return nil
}

func checkRefs(field string, ids []string) error {
	if len(ids) > MaxItems {
		return sms.Invalid(Kind, field, "more than %d entries", MaxItems)
	}
	for _, id := range ids {
		if id == "" {
			return sms.Invalid(Kind, field, "contains an empty entry")
		}
		if err := checkRef(field, id); err != nil {
			return err
		}
	}
	return nil
}

func checkTime(field string, t time.Time) error {
	if !t.IsZero() && (t.Year() < 1900 || t.Year() > 9999) {
		return sms.Invalid(Kind, field, "year %d is out of range", t.Year())
	}
	return nil
}

func checkPeriod(field string, p Period) error {
	return firstErr(checkTime(field+".from", p.From), checkTime(field+".to", p.To))
}

// firstErr returns the first non-nil error.
func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Plan plans a review (trigger plan): of a subject, optionally narrowed to
// a scope, covering a period, with an owner. The service must hold a
// [Schedule] for the subject and scope: it says which requirement the
// review evidences, and the review records it.
type Plan struct {
	// ID is the host's own reference; empty means a generated UUID v7.
	ID      string
	Subject string
	Scope   string
	Owner   string
	Period  Period
	Note    string
}

// Trigger implements [Command].
func (Plan) Trigger() Trigger { return TriggerPlan }
func (Plan) command()         {}

// Validate implements [sms.Command].
func (c Plan) Validate() error {
	if c.Subject == "" {
		return sms.Invalid(Kind, "subject", "is empty: a review names what it reviews")
	}
	return firstErr(checkRef("id", c.ID), checkRef("subject", c.Subject), checkRef("scope", c.Scope),
		checkRef("owner", c.Owner), checkPeriod("period", c.Period), checkText("note", c.Note))
}

// AgreedAction is an action a review agrees: its text, the owner who
// agreed to carry it, an optional due date, and the record that tracks it
// when there is one (an improvement, a problem, a change).
type AgreedAction struct {
	Text  string
	Owner string
	Due   time.Time
	Ref   string
}

// Performance records that a planned review took place (trigger perform):
// what it examined, what it concluded, the actions agreed and who took
// part. PerformedAt is when it took place (zero means now; never in the
// future, never before the end of the period covered). Period, when set,
// corrects the period planned. The actor who records it is the review's
// owner or one of the Participants: anyone else is refused with a
// [*sms.ForbiddenError] citing the requirement the review evidences.
type Performance struct {
	PerformedAt  time.Time
	Period       Period
	Inputs       Inputs
	Conclusions  string
	Actions      []AgreedAction
	Participants []string
}

// Trigger implements [Command].
func (Performance) Trigger() Trigger { return TriggerPerform }
func (Performance) command()         {}

// Validate implements [sms.Command].
func (c Performance) Validate() error {
	if len(c.Actions) > MaxItems {
		return sms.Invalid(Kind, "actions", "more than %d actions", MaxItems)
	}
	for _, a := range c.Actions {
		if err := firstErr(checkText("actions.text", a.Text), checkRef("actions.owner", a.Owner),
			checkTime("actions.due", a.Due), checkRef("actions.ref", a.Ref)); err != nil {
			return err
		}
	}
	return firstErr(checkTime("performed_at", c.PerformedAt), checkPeriod("period", c.Period),
		checkText("inputs.summary", c.Inputs.Summary), checkRefs("inputs.refs", c.Inputs.Refs),
		checkText("conclusions", c.Conclusions), checkRefs("participants", c.Participants))
}

// ActionUpdate follows up one action of a performed review (trigger
// update_action): Number names it (from 1); Done reports it done, Ref
// names the record that now tracks it, Note adds a word.
type ActionUpdate struct {
	Number int
	Done   bool
	Ref    string
	Note   string
}

// Trigger implements [Command].
func (ActionUpdate) Trigger() Trigger { return TriggerUpdateAction }
func (ActionUpdate) command()         {}

// Validate implements [sms.Command].
func (c ActionUpdate) Validate() error {
	if c.Number < 1 || c.Number > MaxItems {
		return sms.Invalid(Kind, "action.number", "%d is outside 1 to %d", c.Number, MaxItems)
	}
	return firstErr(checkRef("action.ref", c.Ref), checkText("action.note", c.Note))
}

// Closure closes a performed review (trigger close) once every action it
// agreed is done or tracked by another record.
type Closure struct {
	Note string
}

// Trigger implements [Command].
func (Closure) Trigger() Trigger { return TriggerClose }
func (Closure) command()         {}

// Validate implements [sms.Command].
func (c Closure) Validate() error { return checkText("note", c.Note) }

// Cancellation cancels a planned review, with a reason (trigger cancel). A
// cancelled review does not satisfy its schedule.
type Cancellation struct {
	Reason string
}

// Trigger implements [Command].
func (Cancellation) Trigger() Trigger { return TriggerCancel }
func (Cancellation) command()         {}

// Validate implements [sms.Command].
func (c Cancellation) Validate() error { return checkText("reason", c.Reason) }

// Note adds a note (trigger note), in any status.
type Note struct {
	Text string
}

// Trigger implements [Command].
func (Note) Trigger() Trigger { return TriggerNote }
func (Note) command()         {}

// Validate implements [sms.Command].
func (c Note) Validate() error {
	if blank(c.Text) {
		return sms.Invalid(Kind, "note.text", "is empty or only white space")
	}
	return checkText("note.text", c.Text)
}
