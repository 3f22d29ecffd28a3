package smstest

import (
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/iso20k/sms"
)

// ThingKind is the kind of [Thing].
const ThingKind sms.Kind = "smstest_thing"

// Thing is the entity the storage conformance suite stores. It has a
// status, every indexed attribute, and slices, so that a store's copying,
// indexing and encoding are all exercised. Instantiate your generic store
// with *Thing to run [RunStore].
type Thing struct {
	sms.Meta
	Status  string            `json:"status"`
	Service string            `json:"service,omitempty"`
	Owner   string            `json:"owner,omitempty"`
	Links   []sms.Link        `json:"links,omitempty"`
	Notes   []string          `json:"notes,omitempty"`
	Labels  map[string]string `json:"labels,omitempty"`
	Count   int               `json:"count"`
	Due     time.Time         `json:"due,omitzero"`
}

// EntityKind implements [sms.Entity].
func (*Thing) EntityKind() sms.Kind { return ThingKind }

// State implements [sms.Entity].
func (t *Thing) State() string { return t.Status }

// SetState implements [sms.Entity].
func (t *Thing) SetState(s string) { t.Status = s }

// Attributes implements [sms.Entity].
func (t *Thing) Attributes() sms.Attributes {
	return sms.Attributes{Service: t.Service, Owner: t.Owner, Links: t.Links}
}

// SetLinks implements [sms.LinkSetter].
func (t *Thing) SetLinks(links []sms.Link) { t.Links = links }

// Clone implements [sms.Entity].
func (t *Thing) Clone() *Thing {
	c := *t
	c.Links = slices.Clone(t.Links)
	c.Notes = slices.Clone(t.Notes)
	if t.Labels != nil {
		c.Labels = make(map[string]string, len(t.Labels))
		for k, v := range t.Labels {
			c.Labels[k] = v
		}
	}
	return &c
}

// kitActor is the actor the suite records in its entries.
var kitActor = sms.Actor{ID: "smstest", Roles: []sms.Role{"tester", "auditor"}}

// NewThing returns a thing with the given ID and status, and its first
// journal entry, chained and hashed as the pipeline would: ready for
// [sms.Store.Create].
func NewThing(id, status string, at time.Time) (*Thing, sms.Entry) {
	th := &Thing{Status: status}
	th.ID = id
	th.CreatedAt = at.UTC().Truncate(time.Microsecond)
	en := Advance(th, "create", status, at)
	return th, en
}

// Advance moves th to status, as a transition with the given trigger at the
// given time would, and returns the journal entry to commit with it. The
// entry carries a payload and the header of th is updated (version, head,
// updated-at); the caller commits with expect = the previous version.
func Advance(th *Thing, trigger, status string, at time.Time, payload ...sms.Field) sms.Entry {
	at = at.UTC().Truncate(time.Microsecond)
	m := th.Metadata()
	if payload == nil {
		payload = []sms.Field{{Key: "trigger", Value: trigger}, {Key: "note", Value: "é ✓ \"quoted\" \n newline"}, {Key: "trigger", Value: "repeated key"}}
	}
	en := sms.Entry{
		ID:       uuid.Must(uuid.NewV7()).String(),
		Kind:     ThingKind,
		EntityID: m.ID,
		Seq:      m.Version + 1,
		Trigger:  trigger,
		From:     th.Status,
		To:       status,
		Actor:    kitActor.Clone(),
		At:       at,
		Reason:   "conformance kit",
		Payload:  payload,
		Prev:     m.Head,
	}
	if m.Version == 0 {
		en.From = ""
	}
	th.Status = status
	m.Version, m.UpdatedAt = en.Seq, at
	return Seal(th, en)
}

// Seal binds en to th as the pipeline does: it records the digest of th's
// state in the entry ([sms.StateDigest]), hashes the entry, and sets th's
// head to that hash. Call it after changing th's fields and before the
// commit, so that the record verifies against its journal.
func Seal(th *Thing, en sms.Entry) sms.Entry {
	th.Head = sms.Hash{}
	en.State, _ = sms.StateDigest(th)
	en.Hash = en.ComputeHash()
	th.Head = en.Hash
	return en
}
