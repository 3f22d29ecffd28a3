package change

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/iso20k/sms"
)

// CodeUnauthorizedChange is the code of the finding that a controlled
// configuration item was changed without an authorized change (CHG-16).
const CodeUnauthorizedChange = "UNAUTHORIZED_CHANGE"

// ConfigItemKind is the kind a [CodeUnauthorizedChange] finding names: its
// EntityID is the configuration item that was changed. This package keeps
// no configuration records; the host's configuration management does.
const ConfigItemKind sms.Kind = "config_item"

// ConfigChange is one mutation of a configuration item, as the host's
// configuration management recorded it (a CMDB audit trail, or changes
// found by discovery). No package of the library keeps configuration
// records, so the host passes these facts to [UnauthorizedChanges] (CHG-16).
type ConfigChange struct {
	// ID identifies the mutation in the host's records, such as a CMDB
	// journal entry; optional. A change that closed naming it, for the
	// item, among its configuration updates (CHG-15) accounts for it even
	// though the record was updated after the implementation ended.
	ID string `json:"id,omitempty"`
	// Item is the configuration item changed, and ItemType its type,
	// which decides whether it is under change control (CHG-01). A
	// mutation without a type is judged as controlled: nothing shows it is
	// not.
	Item     string `json:"item"`
	ItemType string `json:"item_type"`
	// Service is the service the item belongs to, if the host knows it.
	Service string    `json:"service,omitempty"`
	At      time.Time `json:"at"`
	By      string    `json:"by,omitempty"`
	// ChangeRef is the change the mutation was made under, as recorded
	// with it; empty when none was given.
	ChangeRef string `json:"change_ref,omitempty"`
}

// UnauthorizedReason says why a mutation of a controlled configuration item
// was not authorized by a change (CHG-16). The values are stable: they
// begin the Detail of each [CodeUnauthorizedChange] finding.
type UnauthorizedReason string

// Reasons a mutation is unauthorized. A mutation without a change reference
// or with an unknown one has one reason; otherwise every one of the last
// three that holds is given.
const (
	// NoChangeRef: the mutation names no change.
	NoChangeRef UnauthorizedReason = "no_change_reference"
	// ChangeNotFound: the change it names does not exist.
	ChangeNotFound UnauthorizedReason = "change_not_found"
	// ChangeNotAuthorized: the change it names had not been authorized
	// (scheduled by its authority, or pre-authorized by its template) when
	// the item was changed.
	ChangeNotAuthorized UnauthorizedReason = "change_not_authorized"
	// OutsideImplementation: the change was not being implemented when the
	// item was changed: its implementation had not started, or had ended
	// (completed, or remediated after a failure), per the change's
	// recorded times.
	OutsideImplementation UnauthorizedReason = "outside_implementation"
	// OutOfScope: the change lists neither the item nor the item's service.
	OutOfScope UnauthorizedReason = "out_of_scope"
	// ChangeUnverified: the stored change it names does not verify against
	// its journal (its record was changed outside the workflow): it
	// authorizes nothing. Only [Service.UnauthorizedChanges] gives it.
	ChangeUnverified UnauthorizedReason = "change_unverified"
)

// UnauthorizedMutation is a mutation of a controlled configuration item that
// no change authorized, with every reason why (CHG-16).
type UnauthorizedMutation struct {
	Mutation ConfigChange
	Reasons  []UnauthorizedReason
}

// Finding returns the mutation as audit evidence: code
// [CodeUnauthorizedChange], requirement CHG-16, kind [ConfigItemKind], the
// item as entity, and a Detail that begins with the reasons, comma
// separated, then a colon.
func (u UnauthorizedMutation) Finding(asOf time.Time) sms.Finding {
	m := u.Mutation
	reasons := make([]string, len(u.Reasons))
	for i, r := range u.Reasons {
		reasons[i] = string(r)
	}
	var b strings.Builder
	b.WriteString(strings.Join(reasons, ","))
	b.WriteString(": ")
	b.WriteString(m.Item)
	if m.ItemType != "" {
		b.WriteString(" (" + m.ItemType + ")")
	}
	b.WriteString(" changed " + m.At.UTC().Format(time.RFC3339))
	if m.By != "" {
		b.WriteString(" by " + m.By)
	}
	if m.ChangeRef != "" {
		b.WriteString(" under " + m.ChangeRef)
	} else {
		b.WriteString(" with no change")
	}
	if m.ID != "" {
		b.WriteString(" (record " + m.ID + ")")
	}
	return sms.Finding{Code: CodeUnauthorizedChange, Requirement: requirement("CHG-16"), Kind: ConfigItemKind, EntityID: m.Item,
		Detail: b.String(), At: asOf.UTC()}
}

// FindUnauthorized returns, in the order given, the mutations of
// configuration items under change control (the policy's Controlled
// types; every type when it lists none) that no change in changes
// authorized (CHG-16). Mutations of other types are ignored. It is a pure
// function: changes are judged as given.
//
// A mutation is authorized by the change it names when that change was
// authorized at or before the mutation, its implementation had started at
// or before it and not ended before it (for a change that closed naming
// the mutation's ID among its configuration updates, CHG-15, the end does
// not count), and it lists the item or the item's service.
//
// An unintended change is reviewed through a retrospective change: the
// host raises an emergency change for the item, raised after the mutation,
// and completes it (authorization by the emergency authority, its
// assessment after the fact, its post-implementation review of the
// mutation's consequences, CHG-17), then records that change as the
// mutation's ChangeRef. Once that emergency change is closed with its
// review and lists the item or its service, the mutation counts as
// reviewed and is no longer reported.
func FindUnauthorized(p Policy, mutations []ConfigChange, changes []*Change) []UnauthorizedMutation {
	byID := make(map[string]*Change, len(changes))
	for _, c := range changes {
		if c != nil {
			byID[c.ID] = c
		}
	}
	var out []UnauthorizedMutation
	for _, m := range mutations {
		if m.ItemType != "" && !p.UnderControl(m.ItemType) {
			continue
		}
		if reasons := unauthorized(m, byID[m.ChangeRef]); len(reasons) > 0 {
			out = append(out, UnauthorizedMutation{Mutation: m, Reasons: reasons})
		}
	}
	return out
}

// UnauthorizedChanges is the CHG-16 sweep: one [CodeUnauthorizedChange]
// finding, dated asOf, per mutation [FindUnauthorized] returns.
func UnauthorizedChanges(p Policy, mutations []ConfigChange, changes []*Change, asOf time.Time) []sms.Finding {
	found := FindUnauthorized(p, mutations, changes)
	if len(found) == 0 {
		return nil
	}
	out := make([]sms.Finding, len(found))
	for i, u := range found {
		out[i] = u.Finding(asOf)
	}
	return out
}

// unauthorized returns why change c, the one m names, does not authorize
// mutation m; none when it does.
func unauthorized(m ConfigChange, c *Change) []UnauthorizedReason {
	switch {
	case m.ChangeRef == "":
		return []UnauthorizedReason{NoChangeRef}
	case c == nil:
		return []UnauthorizedReason{ChangeNotFound}
	}
	inScope := slices.ContainsFunc(c.ConfigItems, func(ci ConfigItem) bool { return ci.ID == m.Item }) ||
		(m.Service != "" && slices.Contains(c.Services, m.Service))
	if inScope && reviewedRetrospectively(m, c) {
		return nil
	}
	var reasons []UnauthorizedReason
	if c.Authority == nil || c.Authority.AuthorizedAt.IsZero() || c.Authority.AuthorizedAt.After(m.At) {
		reasons = append(reasons, ChangeNotAuthorized)
	}
	if !implementedAt(m, c) {
		reasons = append(reasons, OutsideImplementation)
	}
	if !inScope {
		reasons = append(reasons, OutOfScope)
	}
	return reasons
}

// implementedAt reports whether the change was being implemented at the
// mutation's time: started at or before it and not ended before it. The
// record update a closed change names among its configuration updates
// (CHG-15) may come after the end.
func implementedAt(m ConfigChange, c *Change) bool {
	w := c.Work
	if w == nil || w.StartedAt.IsZero() || m.At.Before(w.StartedAt) {
		return false
	}
	if w.EndedAt.IsZero() || !m.At.After(w.EndedAt) {
		return true
	}
	return m.ID != "" && c.Status == StatusClosed && slices.Contains(c.ConfigUpdates, ConfigUpdate{Item: m.Item, Ref: m.ID})
}

// reviewedRetrospectively reports whether c is the retrospective change of
// an unintended mutation: an emergency change raised after it, closed with
// its post-implementation review.
func reviewedRetrospectively(m ConfigChange, c *Change) bool {
	return c.ModelType == ModelEmergency && c.Status == StatusClosed && c.Review != nil && c.CreatedAt.After(m.At)
}

// UnauthorizedChanges runs the CHG-16 sweep under the service's policy: it
// reads each change the mutations of controlled items name, once, and
// returns what the package function [UnauthorizedChanges] returns. A
// reference that is not a valid ID names no stored change. Only a change
// that verifies against its journal (see [sms.Machine.Verified]) may
// authorize a mutation: one that does not is a [sms.CodeRecordUnverified]
// finding, listed first, and each mutation naming it is reported with the
// reason [ChangeUnverified]. A store or context error stops it.
func (s *Service) UnauthorizedChanges(ctx context.Context, mutations []ConfigChange, asOf time.Time) ([]sms.Finding, error) {
	var changes []*Change
	ver := sms.NewVerificationResult()
	unverified := map[string]bool{}
	seen := map[string]bool{}
	for _, m := range mutations {
		ref := m.ChangeRef
		if ref == "" || seen[ref] || (m.ItemType != "" && !s.policy.UnderControl(m.ItemType)) {
			continue
		}
		seen[ref] = true
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if sms.ValidateID(ref) != nil {
			continue
		}
		c, _, err := s.m.Verified(ctx, ref)
		switch {
		case errors.Is(err, sms.ErrNotFound):
			continue
		case errors.Is(err, sms.ErrCorrupt):
			ver.Unverified(Kind, ref, err, asOf.UTC())
			unverified[ref] = true
			continue
		case err != nil:
			return nil, err
		}
		changes = append(changes, c)
	}
	found := FindUnauthorized(s.policy, mutations, changes)
	out := ver.Failures
	for _, u := range found {
		if unverified[u.Mutation.ChangeRef] {
			u.Reasons = []UnauthorizedReason{ChangeUnverified}
		}
		out = append(out, u.Finding(asOf))
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}
