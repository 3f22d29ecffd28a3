package main

// The glue: everything between the helpdesk's own actions (host.go) and
// the library. Each action is one transaction of the host's, with the
// library's transitions inside it; a screen's view of a conversation
// comes from the incident's choices; a refusal is rendered from its
// message key, parameters and requirement IDs, never from its English
// text.

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/sqlstore"
)

// glue binds the helpdesk's database to the incident service.
type glue struct {
	db  *sql.DB
	svc *incident.Service
}

// act runs one host action: the host's statements and the library's
// transitions in one transaction, committed or rolled back together. The
// observers hear of the transitions only once the commit stands.
func (g *glue) act(ctx context.Context, do func(ctx context.Context, tx *sql.Tx) error) error {
	tx, err := g.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	inTx, after := sqlstore.WithTx(ctx, g.db, tx)
	if err := do(inTx, tx); err != nil {
		_ = tx.Rollback()
		after.RolledBack()
		return err
	}
	if err := tx.Commit(); err != nil {
		after.RolledBack() // unknown outcome: the host reads both again
		return err
	}
	after.Committed()
	return nil
}

// conversationStatus is the helpdesk's status for an incident's.
func conversationStatus(s incident.Status) string {
	switch s {
	case incident.StatusOnHold:
		return "snoozed"
	case incident.StatusResolved:
		return "resolved"
	case incident.StatusClosed, incident.StatusCancelled:
		return "closed"
	}
	return "open"
}

// syncRow writes the incident's status into the conversation row, in tx.
func syncRow(ctx context.Context, tx *sql.Tx, conv string, inc *incident.Incident) error {
	_, err := tx.ExecContext(ctx, rebind("UPDATE conversations SET status = ?, incident_id = ?, team = ? WHERE id = ?"),
		conversationStatus(inc.Status), inc.ID, inc.Group, conv)
	return err
}

// Helpdesk's own words for the library's message keys: what a translation
// table holds, one per language. {name} is a parameter; {requirements}
// the requirement IDs.
var english = map[string]string{
	sms.MsgGuardUnmet:           "Not yet: {trigger} on {id} needs what the standard requires ({requirements}).",
	sms.MsgTransitionNotAllowed: "Not possible while the ticket is {state}; it can go to: {targets}.",
	sms.MsgForbiddenRole:        "{actor} may not {trigger}; ask someone who is {roles}.",
	sms.MsgForbiddenSegregation: "{actor} may not {trigger} this ticket themselves ({requirements}).",
	sms.MsgConflictVersion:      "Someone else changed {id} meanwhile; reload it.",
	sms.MsgStepFailed:           "Step {position} of {steps} ({trigger}) failed, nothing was saved:",
	sms.MsgValidationInvalid:    "Please check {field}: {problem}.",
}

// render writes a refusal from its codes, a step's refusal with the
// step's own after it; any other error as it is.
func render(err error) string {
	r, ok := sms.RefusalOf(err)
	if !ok {
		return err.Error()
	}
	text, ok := english[r.MessageKey()]
	if !ok {
		text = r.MessageKey()
	}
	for k, v := range r.MessageParams() {
		text = strings.ReplaceAll(text, "{"+k+"}", v)
	}
	text = strings.ReplaceAll(text, "{requirements}", strings.Join(r.RequirementIDs(), ", "))
	if se, ok := r.(*sms.StepError); ok {
		text += " " + render(se.Err)
	}
	return text
}

// screen is what the conversation's page offers an agent: each action the
// agent holds a role for, greyed out with its reason when it would fail.
func (g *glue) screen(ctx context.Context, a sms.Actor, incID string) ([]string, error) {
	choices, err := g.svc.Choices(ctx, a, incID)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, c := range choices {
		if !c.HasRole {
			continue
		}
		mark := "[ ]"
		switch c.Readiness {
		case sms.Refused:
			mark = "[x]"
		case sms.Ready:
			mark = "[>]"
		}
		line := fmt.Sprintf("%s %-14s -> %s", mark, c.Trigger, conversationStatus(incident.Status(c.To)))
		if c.Readiness == sms.Refused {
			line += "   " + render(c.Err)
			for _, q := range c.Blocked { // what no form supplies: the record must change first
				line += " First: " + q.ID + "."
			}
		}
		lines = append(lines, line)
	}
	return lines, nil
}
