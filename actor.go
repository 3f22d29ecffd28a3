package sms

import (
	"context"
	"slices"
	"time"
)

// Role is a role in the host's directory, such as "service_desk" or
// "change_manager". Process packages declare the roles their rules accept
// as constants; the host maps its own groups onto them.
type Role string

// Actor is who fires a transition. The host authenticates and passes the
// actor; the library checks the roles it carries and records them in the
// journal.
type Actor struct {
	// ID identifies a person or a system account; required.
	ID string `json:"id"`
	// Roles are the roles the actor holds now.
	Roles []Role `json:"roles,omitempty"`
}

// Has reports whether the actor holds role r.
func (a Actor) Has(r Role) bool { return slices.Contains(a.Roles, r) }

// HasAny reports whether the actor holds at least one of roles.
func (a Actor) HasAny(roles []Role) bool {
	for _, r := range roles {
		if a.Has(r) {
			return true
		}
	}
	return false
}

// MaxRoles is the most roles an [Actor] may carry. The journal records the
// roles of every transition's actor, so they are bounded like any other
// input.
const MaxRoles = 64

// Validate returns a [*ValidationError] unless the actor's ID and each of
// its roles are what [ValidateID] accepts for an entity ID (1 to
// [MaxIDLen] bytes of printable, valid UTF-8, no white space at either
// end) and it carries at most [MaxRoles] roles. The same rules apply on
// every store, so an actor one backend records another never refuses.
func (a Actor) Validate() error {
	// The common actor, short printable ASCII throughout, in one pass.
	if plainID(a.ID) && len(a.Roles) <= MaxRoles {
		ok := true
		for _, r := range a.Roles {
			if !plainID(string(r)) {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
	}
	if a.ID == "" {
		return &ValidationError{Field: "actor.id", Problem: "is empty: every transition needs an identified actor"}
	}
	if err := ValidateID(a.ID); err != nil {
		return &ValidationError{Field: "actor.id", Problem: err.(*ValidationError).Problem}
	}
	if len(a.Roles) > MaxRoles {
		return &ValidationError{Field: "actor.roles", Problem: "has more than 64 roles"}
	}
	for _, r := range a.Roles {
		if r == "" {
			return &ValidationError{Field: "actor.roles", Problem: "contains an empty role"}
		}
		if err := ValidateID(string(r)); err != nil {
			return &ValidationError{Field: "actor.roles", Problem: "role " + err.(*ValidationError).Problem}
		}
	}
	return nil
}

// plainID reports whether s is 1 to MaxIDLen bytes of printable ASCII
// with no space at either end: an ID ValidateID accepts without looking
// further.
func plainID(s string) bool {
	if s == "" || len(s) > MaxIDLen || s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// Clone returns a copy that shares no memory with a.
func (a Actor) Clone() Actor {
	if a.Roles != nil {
		a.Roles = slices.Clone(a.Roles)
	}
	return a
}

// Authorization is what the pipeline asks a host's [Authorizer] about,
// after the workflow's own role check has passed.
type Authorization struct {
	Actor    Actor
	Kind     Kind
	EntityID string // empty for the trigger that creates the entity
	State    string
	Trigger  string
	// Roles are the roles the rule accepts; the actor holds one of them.
	Roles []Role
}

// Authorizer is the host's own access control. The library's role and
// segregation-of-duties checks always run first; an Authorizer can refuse
// what they allow, never allow what they refuse. A non-nil error refuses
// the transition with a [*ForbiddenError] that wraps it.
type Authorizer interface {
	Authorize(ctx context.Context, req Authorization) error
}

// AuthorizerFunc adapts a function to [Authorizer].
type AuthorizerFunc func(ctx context.Context, req Authorization) error

// Authorize calls f.
func (f AuthorizerFunc) Authorize(ctx context.Context, req Authorization) error { return f(ctx, req) }

// Party names a participant of a record who may be excluded from approving
// it: "requester", "implementer", "audited".
type Party string

// Parties that segregation-of-duties rules compare. The values are
// persisted in records' [Participants]: never renamed or reused.
const (
	PartyRequester    Party = "requester"
	PartyImplementer  Party = "implementer"
	PartyRequestedFor Party = "requested_for"
	PartyAudited      Party = "audited"
	PartyOwner        Party = "owner"
	// PartyRaiser is who recorded the record, for themselves or on behalf
	// of the requester.
	PartyRaiser       Party = "raiser"
	PartyApprover     Party = "approver"
	PartyDeployer     Party = "deployer"
	PartyConfirmer    Party = "confirmer"
	PartyRiskAccepter Party = "risk_accepter"
	PartyReviewer     Party = "reviewer"
	PartyAuthor       Party = "author"
)

// Participant is one person who holds a party role on a record.
type Participant struct {
	Party Party  `json:"party"`
	ID    string `json:"id"`
	// Acted reports that ID fired a transition that established the party
	// (the acting actor the journal records), rather than being only named
	// by a command, as a service desk names the caller it logs for.
	Acted bool `json:"acted,omitempty"`
}

// Participants are the people who hold each party role on a record: for
// every party, the person a command named and every actor who fired a
// transition of that role. Segregation-of-duties rules compare an actor
// with all of them, so naming someone else in a command never lets an
// actor approve what they raised. The zero value is empty and ready to
// use; a process keeps the list on its record, where the state digest
// binds it to the journal.
type Participants []Participant

// Add records that id holds party p; acted says whether id is the acting
// actor of the transition (true) or a person the command named (false).
// An empty id is ignored; a person already listed for p is listed once,
// marked as having acted if either record says so.
func (ps *Participants) Add(p Party, id string, acted bool) {
	if id == "" {
		return
	}
	for i := range *ps {
		if q := &(*ps)[i]; q.Party == p && q.ID == id {
			q.Acted = q.Acted || acted
			return
		}
	}
	*ps = append(*ps, Participant{Party: p, ID: id, Acted: acted})
}

// Has reports whether id holds party p.
func (ps Participants) Has(p Party, id string) bool {
	for _, q := range ps {
		if q.Party == p && q.ID == id {
			return true
		}
	}
	return false
}

// Of returns the people who hold party p, in the order they were added.
func (ps Participants) Of(p Party) []string {
	var out []string
	for _, q := range ps {
		if q.Party == p {
			out = append(out, q.ID)
		}
	}
	return out
}

// Acted returns the people who fired a transition establishing party p.
func (ps Participants) Acted(p Party) []string {
	var out []string
	for _, q := range ps {
		if q.Party == p && q.Acted {
			out = append(out, q.ID)
		}
	}
	return out
}

// Holds returns the first of parties that id holds, and whether there was
// one.
func (ps Participants) Holds(id string, parties ...Party) (Party, bool) {
	for _, p := range parties {
		if ps.Has(p, id) {
			return p, true
		}
	}
	return "", false
}

// Clone returns a copy that shares no memory with ps.
func (ps Participants) Clone() Participants { return slices.Clone(ps) }

// Decision is an approver's verdict.
type Decision string

// Approval decisions.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)

// Approval is one approver's recorded decision.
type Approval struct {
	Approver  string    `json:"approver"`
	Role      Role      `json:"role"`
	Decision  Decision  `json:"decision"`
	Rationale string    `json:"rationale"`
	At        time.Time `json:"at"`
}

// ApprovalRule says who may approve and how many must: Quorum distinct
// approvers, each holding one of Roles, none of them a party the rule
// excludes. Rules are data: a process stores the rule it applied.
type ApprovalRule struct {
	Roles   []Role  `json:"roles"`
	Quorum  int     `json:"quorum"`
	Exclude []Party `json:"exclude,omitempty"`
}

// Validate returns a [*ValidationError] for a rule without roles or with a
// quorum below one: a missing role is a refusal, never a default.
func (r ApprovalRule) Validate() error {
	if len(r.Roles) == 0 {
		return &ValidationError{Field: "approval_rule.roles", Problem: "no role may approve: name at least one"}
	}
	if r.Quorum < 1 {
		return &ValidationError{Field: "approval_rule.quorum", Problem: "must be at least 1"}
	}
	return nil
}

// Eligible checks whether the actor may decide under this rule, given who
// holds each party role on the record (every person named and every actor
// who acted in that role). It returns nil, or a [*ForbiddenError] saying
// which role is missing or which party excludes them; req is cited for
// segregation-of-duties refusals.
func (r ApprovalRule) Eligible(a Actor, parties Participants, req Requirement) error {
	if !a.HasAny(r.Roles) {
		return &ForbiddenError{Actor: a.ID, Trigger: "approve", Roles: slices.Clone(r.Roles), Requirement: req,
			Reason: "the actor holds none of the roles that may approve"}
	}
	if p, ok := parties.Holds(a.ID, r.Exclude...); ok {
		return &ForbiddenError{Actor: a.ID, Trigger: "approve", Requirement: req,
			Reason: "the " + string(p) + " may not approve their own record"}
	}
	return nil
}

// Outcome is the state of a set of approvals under a rule.
type Outcome string

// Approval outcomes.
const (
	Pending  Outcome = "pending"
	Approved Outcome = "approved"
	Rejected Outcome = "rejected"
)

// Tally evaluates decisions under the rule: any rejection rejects; Quorum
// distinct approvers, each eligible (a role of the rule, not an excluded
// party), approve; otherwise the outcome is pending. A second decision by
// the same approver does not count twice.
func (r ApprovalRule) Tally(approvals []Approval, parties Participants) Outcome {
	seen := make(map[string]bool, len(approvals))
	for _, ap := range approvals {
		if ap.Decision == Reject && slices.Contains(r.Roles, ap.Role) {
			return Rejected
		}
	}
	for _, ap := range approvals {
		if ap.Decision != Approve || !slices.Contains(r.Roles, ap.Role) || seen[ap.Approver] {
			continue
		}
		if _, excluded := parties.Holds(ap.Approver, r.Exclude...); !excluded {
			seen[ap.Approver] = true
		}
	}
	if len(seen) >= max(r.Quorum, 1) {
		return Approved
	}
	return Pending
}
