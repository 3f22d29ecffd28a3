package request

import (
	"slices"
	"time"

	"github.com/iso20k/sms"
)

// Policy is the organisation's request-fulfilment policy. The zero value
// works: closure only on the requester's confirmation, the fulfilment
// timer paused while waiting for the requester.
type Policy struct {
	// AutoCloseAfter is the quiet period after fulfilment after which a
	// request may close without the requester's confirmation; zero
	// disables auto-closure (SR-04).
	AutoCloseAfter time.Duration `json:"auto_close_after,omitempty"`
	// PauseOn lists the hold reasons that pause the fulfilment timer; nil
	// means the requester only (SR-09).
	PauseOn []HoldReason `json:"pause_on,omitempty"`
}

// DefaultPolicy returns auto-closure 5 days after fulfilment and the timer
// paused while waiting for the requester.
func DefaultPolicy() Policy {
	return Policy{AutoCloseAfter: 5 * 24 * time.Hour, PauseOn: []HoldReason{HoldRequester}}
}

func (p Policy) withDefaults() (Policy, error) {
	if p.AutoCloseAfter < 0 {
		return p, sms.Invalid(Kind, "policy.auto_close_after", "is negative")
	}
	if p.PauseOn == nil {
		p.PauseOn = []HoldReason{HoldRequester}
	}
	for _, r := range p.PauseOn {
		switch r {
		case HoldRequester, HoldSupplier, HoldStock:
		default:
			return p, sms.Invalid(Kind, "policy.pause_on", "%q is not a hold reason", r)
		}
	}
	p.PauseOn = slices.Clone(p.PauseOn)
	return p, nil
}
