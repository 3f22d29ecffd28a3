package main

// The helpdesk's own code: its tables and statements. It knows nothing of
// the library; glue.go joins the two.

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// dollar says the database numbers its placeholders ($1, PostgreSQL).
var dollar bool

// rebind writes ? placeholders in the database's style.
func rebind(q string) string {
	if !dollar {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// createTables creates the helpdesk's tables.
func createTables(ctx context.Context, db *sql.DB) error {
	for _, q := range []string{
		`CREATE TABLE IF NOT EXISTS conversations (id TEXT PRIMARY KEY, customer TEXT NOT NULL, subject TEXT NOT NULL,
			status TEXT NOT NULL, team TEXT NOT NULL DEFAULT '', incident_id TEXT NOT NULL DEFAULT '')`,
		`CREATE TABLE IF NOT EXISTS messages (conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, author TEXT NOT NULL,
			body TEXT NOT NULL, PRIMARY KEY (conversation_id, seq))`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// addConversation opens a conversation for an e-mail.
func addConversation(ctx context.Context, tx *sql.Tx, id, customer, subject string) error {
	_, err := tx.ExecContext(ctx, rebind("INSERT INTO conversations (id, customer, subject, status) VALUES (?, ?, ?, 'open')"),
		id, customer, subject)
	return err
}

// addMessage appends a message to a conversation.
func addMessage(ctx context.Context, tx *sql.Tx, conv, author, body string) error {
	_, err := tx.ExecContext(ctx, rebind(`INSERT INTO messages (conversation_id, seq, author, body)
		SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ? FROM messages WHERE conversation_id = ?`), conv, author, body, conv)
	return err
}

// conversation is a row of the helpdesk's conversations table.
type conversation struct {
	ID, Customer, Subject, Status, Team, Incident string
	Messages                                      int
}

// loadConversation reads a conversation and counts its messages.
func loadConversation(ctx context.Context, db *sql.DB, id string) (conversation, error) {
	c := conversation{ID: id}
	err := db.QueryRowContext(ctx, rebind(`SELECT customer, subject, status, team, incident_id,
		(SELECT COUNT(*) FROM messages WHERE conversation_id = c.id) FROM conversations c WHERE id = ?`), id).
		Scan(&c.Customer, &c.Subject, &c.Status, &c.Team, &c.Incident, &c.Messages)
	return c, err
}
