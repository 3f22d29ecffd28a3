package release

import (
	"context"
	"fmt"

	"github.com/iso20k/sms"
)

// Look-ups. plan and amend (for the changes the command names), authorize
// and deploy (for the release's changes) ask the host's [ChangeLookup]
// whether each linked change is authorized (REL-03, REL-12). Each is the
// rule's Prepare, run by the pipeline after the release is loaded and the
// actor's roles checked: the answer is on the transition for the guards,
// and a failure to look ends the transition with that error. Nothing is
// looked up outside the pipeline, and no command carries the answer. The
// answer is not part of the transition's atomic commit: a change
// cancelled between the question and the commit is judged as it was
// reported; [Service.Conform] re-examines the stored releases.

// changeView is what the host said about the linked changes.
type changeView struct {
	unauthorized []string
}

// allAuthorized is the answer when every change asked about is authorized.
var allAuthorized = &changeView{}

// prepareChanges asks about each change the transition links; without a
// look-up, nothing is asked and no change is shown authorized.
func prepareChanges(changes ChangeLookup, linked func(*tx) []string) func(context.Context, *tx) error {
	return func(ctx context.Context, t *tx) error {
		if changes == nil {
			return nil
		}
		cv := allAuthorized
		for _, id := range linked(t) {
			if sms.ValidateID(id) != nil {
				continue // refused as invalid input before the look-up
			}
			ok, err := changes.ChangeAuthorized(ctx, id)
			if err != nil {
				return fmt.Errorf("release: looking up change %q: %w", id, err)
			}
			if !ok {
				if cv == allAuthorized {
					cv = &changeView{}
				}
				cv.unauthorized = append(cv.unauthorized, id)
			}
		}
		t.Prepared = cv
		return nil
	}
}

// changesAuthorized reports whether the host was asked about the linked
// changes and said every one is authorized (REL-12).
func changesAuthorized(t *tx) bool {
	cv, ok := t.Prepared.(*changeView)
	return ok && cv != nil && len(cv.unauthorized) == 0
}
