package request

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/iso20k/sms"
)

// ChangeFacts is what the host's change management says of a change a
// request names (SR-08).
type ChangeFacts struct {
	// Standard says the change is a standard change: of a standard model,
	// pre-authorized by an approved, active template when it was submitted
	// (CHG-18).
	Standard bool `json:"standard,omitempty"`
	// Template is the standard-change template the change ran from.
	Template string `json:"template,omitempty"`
	// ClosedSuccessful says the change is closed and its implementation
	// succeeded: in the change package, status closed with close code
	// successful or successful_with_issues. A change still in review, or
	// closed unsuccessful, rejected or cancelled, is not.
	ClosedSuccessful bool `json:"closed_successful,omitempty"`
}

// ChangeLookup is how the request service asks the host about the change
// that fulfilled a request for an item that alters controlled
// configuration items (SR-08). Process packages never import each other:
// the host answers, with the change package (change.Change's ModelType,
// Template, Status and CloseCode) or its own records. ChangeFacts returns
// an error that wraps [sms.ErrNotFound] when no such change exists; any
// other error stops the transition.
type ChangeLookup interface {
	ChangeFacts(ctx context.Context, changeID string) (ChangeFacts, error)
}

// ChangeLookupFunc adapts a function to [ChangeLookup].
type ChangeLookupFunc func(ctx context.Context, changeID string) (ChangeFacts, error)

// ChangeFacts calls f.
func (f ChangeLookupFunc) ChangeFacts(ctx context.Context, id string) (ChangeFacts, error) {
	return f(ctx, id)
}

// LinkedChange is the change a request was fulfilled through (SR-08) and,
// for an item that requires a standard change, what the host's change
// management said of it when the request was fulfilled.
type LinkedChange struct {
	ID string `json:"id"`
	ChangeFacts
}

// changeView is what fulfil's Prepare found about the change a
// fulfilment names (SR-08).
type changeView struct {
	lookup bool // a ChangeLookup is configured
	asked  bool // it was asked about the change
	found  bool
	facts  ChangeFacts
}

// viewOf returns what fulfil's Prepare found, or the zero view (no
// lookup) for a transition that prepared nothing.
func viewOf(t *tx) changeView {
	if v, ok := t.Prepared.(*changeView); ok {
		return *v
	}
	return changeView{}
}

// prepareFulfilment asks the host's change management about the change a
// fulfilment names, when the request's item edition requires a standard
// change (SR-08); it asks nothing otherwise. A change the host does not
// know is left to the guards; any other failure to answer ends the
// transition.
func prepareFulfilment(changes ChangeLookup) func(ctx context.Context, t *tx) error {
	return func(ctx context.Context, t *tx) error {
		v := &changeView{lookup: changes != nil}
		t.Prepared = v
		change := cmd[Fulfilment](t).Change
		if change == "" || changes == nil || !needsChange(t.Entity) {
			return nil
		}
		facts, err := changes.ChangeFacts(ctx, change)
		switch {
		case errors.Is(err, sms.ErrNotFound):
			v.asked = true
		case err != nil:
			return fmt.Errorf("request: looking up change %q: %w", change, err)
		default:
			v.asked, v.found, v.facts = true, true, facts
		}
		return nil
	}
}

// needsChange reports whether the request's item edition requires its
// alteration of controlled configuration items to go through a standard
// change (SR-08).
func needsChange(r *Request) bool { return r.Item.RequiresStandardChange }

// standardChangeGuards are the fulfil guards of SR-08: for an item that
// requires it, the fulfilment names a change that the host's change
// management (which must be configured) shows to be a standard change,
// from a template the item accepts, closed successful.
func standardChangeGuards() []sms.Guard[*Request] {
	found := func(t *tx) bool { v := viewOf(t); return v.asked && v.found }
	return []sms.Guard[*Request]{
		guard("SR-08", "a request for an item that alters controlled configuration items names the standard change that made the alteration", func(t *tx) bool {
			return !needsChange(t.Entity) || cmd[Fulfilment](t).Change != ""
		}),
		guard("SR-08", "the host's change management confirms the change: a change lookup is configured", func(t *tx) bool {
			return !needsChange(t.Entity) || viewOf(t).lookup
		}),
		guard("SR-08", "the change exists in change management", func(t *tx) bool {
			return !needsChange(t.Entity) || cmd[Fulfilment](t).Change == "" || !viewOf(t).lookup || found(t)
		}),
		guard("SR-08", "the change is a standard change, pre-authorized by an approved template", func(t *tx) bool {
			f := viewOf(t).facts
			return !needsChange(t.Entity) || !found(t) || (f.Standard && f.Template != "")
		}),
		guard("SR-08", "the change ran from a standard-change template the catalogue item accepts", func(t *tx) bool {
			f, ts := viewOf(t).facts, t.Entity.Item.ChangeTemplates
			return !needsChange(t.Entity) || !found(t) || f.Template == "" || len(ts) == 0 || slices.Contains(ts, f.Template)
		}),
		guard("SR-08", "the change closed successful", func(t *tx) bool {
			return !needsChange(t.Entity) || !found(t) || viewOf(t).facts.ClosedSuccessful
		}),
	}
}

// linkChange records the change a fulfilment names, and what the host
// said of it.
func linkChange(t *tx, c Fulfilment, v changeView) {
	if c.Change == "" {
		return
	}
	r := t.Entity
	r.Change = LinkedChange{ID: c.Change}
	r.addLink(LinkChange, c.Change)
	t.Record("change", c.Change)
	if v.asked && v.found {
		r.Change.ChangeFacts = v.facts
		t.Record("change_standard", strconv.FormatBool(v.facts.Standard))
		t.Record("change_template", v.facts.Template)
		t.Record("change_closed_successful", strconv.FormatBool(v.facts.ClosedSuccessful))
	}
}

// standardChangeFinding returns what a fulfilled request of an item that
// requires a standard change lacks, or "" (SR-08).
func standardChangeFinding(r *Request) string {
	c := r.Change
	switch {
	case c.ID == "":
		return "fulfilled without a linked standard change"
	case !c.Standard || c.Template == "":
		return "the linked change " + c.ID + " is not a standard change from a template"
	case len(r.Item.ChangeTemplates) > 0 && !slices.Contains(r.Item.ChangeTemplates, c.Template):
		return "the linked change " + c.ID + " ran from template " + c.Template + ", which the item does not accept"
	case !c.ClosedSuccessful:
		return "the linked change " + c.ID + " had not closed successful when the request was fulfilled"
	}
	return ""
}
