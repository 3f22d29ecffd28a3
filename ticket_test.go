package sms_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/stretchr/testify/require"
)

// The kernel's own test entity: a ticket filed open, worked, done, with a
// cancel, a reopen and an in-place note. It exercises every feature of a
// rule: guards, a Required field sharing its requirement with a guard (to
// prove deduplication), a guard on the actor, a state-keeping trigger, a
// trigger with two source states and a terminal state.

const ticketKind sms.Kind = "ticket"

// Statuses.
const (
	stOpen      = "open"
	stWorking   = "working"
	stDone      = "done"
	stCancelled = "cancelled"
)

// Triggers.
const (
	trFile   = "file"
	trStart  = "start"
	trFinish = "finish"
	trCancel = "cancel"
	trNote   = "note"
	trReopen = "reopen"
)

// Roles.
const (
	roleReporter sms.Role = "reporter"
	roleAgent    sms.Role = "agent"
	roleLead     sms.Role = "lead"
)

// Requirements.
var (
	reqTitle      = sms.Requirement{ID: "TKT-01", Clause: "8.6.1", Text: "a ticket has a title"}
	reqAssignee   = sms.Requirement{ID: "TKT-02", Clause: "8.6.1", Text: "work starts with a named assignee"}
	reqResolution = sms.Requirement{ID: "TKT-03", Clause: "8.6.1", Text: "a finished ticket carries its resolution"}
	reqOwnTicket  = sms.Requirement{ID: "TKT-04", Clause: "5.3", Text: "only the assignee finishes their ticket"}
	reqCategory   = sms.Requirement{ID: "TKT-05", Clause: "8.6.1", Text: "a finished ticket is categorised"}
	reqJustified  = sms.Requirement{ID: "TKT-06", Clause: "8.6.1", Text: "a cancellation is justified"}
	reqNoteText   = sms.Requirement{ID: "TKT-07", Clause: "7.5.3", Text: "a note has text"}
	reqUnfinished = sms.Requirement{ID: "TKT-08", Clause: "8.6.1", Text: "only an unfinished ticket is cancelled"}
	reqService    = sms.Requirement{ID: "TKT-09", Clause: "8.6.1", Text: "work starts on a ticket that names its service"}
)

type Ticket struct {
	sms.Meta
	Status       string            `json:"status"`
	Title        string            `json:"title"`
	Service      string            `json:"service,omitempty"`
	Assignee     string            `json:"assignee,omitempty"`
	Resolution   string            `json:"resolution,omitempty"`
	Category     string            `json:"category,omitempty"`
	CancelReason string            `json:"cancel_reason,omitempty"`
	Notes        []string          `json:"notes,omitempty"`
	Links        []sms.Link        `json:"links,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
	Due          time.Time         `json:"due,omitzero"`
}

var _ sms.Entity[*Ticket] = (*Ticket)(nil)

func (*Ticket) EntityKind() sms.Kind { return ticketKind }
func (tk *Ticket) State() string     { return tk.Status }
func (tk *Ticket) SetState(s string) { tk.Status = s }
func (tk *Ticket) Attributes() sms.Attributes {
	return sms.Attributes{Service: tk.Service, Owner: tk.Assignee, Links: slices.Clone(tk.Links)}
}

func (tk *Ticket) Clone() *Ticket {
	c := *tk
	c.Notes = slices.Clone(tk.Notes)
	c.Links = slices.Clone(tk.Links)
	c.Labels = maps.Clone(tk.Labels)
	return &c
}

// ticketCmd is the one command type of every ticket trigger; each rule reads
// the fields it needs. Validate returns Bad.
type ticketCmd struct {
	ID         string
	Title      string
	Service    string
	Assignee   string
	Resolution string
	Category   string
	Reason     string
	Text       string
	Labels     map[string]string
	Due        time.Time
	Bad        error
}

func (c ticketCmd) Validate() error { return c.Bad }

type ttx = sms.Transition[*Ticket]

func tcmd(t *ttx) ticketCmd {
	c, _ := t.Command.(ticketCmd)
	return c
}

func ticketDefinition() sms.Definition[*Ticket] {
	return sms.Definition[*Ticket]{
		Kind:     ticketKind,
		States:   []string{stOpen, stWorking, stDone, stCancelled},
		Terminal: []string{stCancelled},
		New:      func() *Ticket { return &Ticket{} },
		Rules: []sms.Rule[*Ticket]{
			{
				Trigger: trFile, To: stOpen, Roles: []sms.Role{roleReporter, roleAgent}, Command: ticketCmd{},
				Requires: []sms.Required[*Ticket]{
					{Field: "title", Requirement: reqTitle, Present: func(tk *Ticket) bool { return tk.Title != "" }},
				},
				Apply: func(t *ttx) {
					c := tcmd(t)
					tk := t.Entity
					tk.ID, tk.Title, tk.Service, tk.Labels = c.ID, c.Title, c.Service, maps.Clone(c.Labels)
					tk.Due = c.Due.UTC().Truncate(time.Microsecond)
					t.Record("title", c.Title)
					t.RecordTime("due", c.Due)
				},
				Doc: "File a ticket.",
			},
			{
				Trigger: trStart, From: []string{stOpen}, To: stWorking, Roles: []sms.Role{roleAgent}, Command: ticketCmd{},
				Guards: []sms.Guard[*Ticket]{
					{Requirement: reqAssignee, Check: func(t *ttx) bool { return tcmd(t).Assignee != "" }},
					{Requirement: reqService, Check: func(t *ttx) bool { return t.Entity.Service != "" }},
				},
				Apply: func(t *ttx) {
					t.Entity.Assignee = tcmd(t).Assignee
					t.Record("assignee", t.Entity.Assignee)
				},
			},
			{
				Trigger: trFinish, From: []string{stWorking}, To: stDone, Roles: []sms.Role{roleAgent, roleLead}, Command: ticketCmd{},
				Guards: []sms.Guard[*Ticket]{
					{Requirement: reqOwnTicket, Check: func(t *ttx) bool { return t.Actor.ID == t.Entity.Assignee }},
					{Requirement: reqResolution, Check: func(t *ttx) bool { return tcmd(t).Resolution != "" }},
				},
				Requires: []sms.Required[*Ticket]{
					{Field: "resolution", Requirement: reqResolution, Present: func(tk *Ticket) bool { return tk.Resolution != "" }},
					{Field: "category", Requirement: reqCategory, Present: func(tk *Ticket) bool { return tk.Category != "" }},
				},
				Apply: func(t *ttx) {
					c := tcmd(t)
					t.Entity.Resolution, t.Entity.Category = c.Resolution, c.Category
					t.Record("resolution", c.Resolution)
					t.Record("category", c.Category)
				},
			},
			{
				Trigger: trCancel, From: []string{stOpen, stWorking}, To: stCancelled, Roles: []sms.Role{roleLead}, Command: ticketCmd{},
				Requirement: reqUnfinished,
				Guards: []sms.Guard[*Ticket]{
					{Requirement: reqJustified, Check: func(t *ttx) bool { return tcmd(t).Reason != "" }},
				},
				Apply: func(t *ttx) {
					t.Entity.CancelReason = tcmd(t).Reason
					t.SetReason(tcmd(t).Reason)
				},
			},
			{
				Trigger: trNote, From: []string{stOpen, stWorking, stDone, stCancelled}, Roles: []sms.Role{roleReporter, roleAgent, roleLead}, Command: ticketCmd{},
				Guards: []sms.Guard[*Ticket]{
					{Requirement: reqNoteText, Check: func(t *ttx) bool { return tcmd(t).Text != "" }},
				},
				Apply: func(t *ttx) {
					t.Entity.Notes = append(t.Entity.Notes, tcmd(t).Text)
					t.Record("text", tcmd(t).Text)
				},
			},
			{
				Trigger: trReopen, From: []string{stDone}, To: stWorking, Roles: []sms.Role{roleLead}, Command: ticketCmd{},
				Apply: func(t *ttx) {
					t.Entity.Resolution, t.Entity.Category = "", ""
					t.SetReason(tcmd(t).Reason)
				},
			},
		},
	}
}

func ticketWorkflow(t testing.TB) *sms.Workflow[*Ticket] {
	t.Helper()
	wf, err := sms.NewWorkflow(ticketDefinition())
	require.NoError(t, err)
	return wf
}

// Actors.
var (
	alice  = sms.Actor{ID: "alice", Roles: []sms.Role{roleAgent}}   // an agent
	bob    = sms.Actor{ID: "bob", Roles: []sms.Role{roleAgent}}     // another agent
	lena   = sms.Actor{ID: "lena", Roles: []sms.Role{roleLead}}     // the lead
	rita   = sms.Actor{ID: "rita", Roles: []sms.Role{roleReporter}} // a reporter
	nobody = sms.Actor{ID: "nobody", Roles: []sms.Role{"visitor"}}  // no ticket role
)

// testClock returns an instant per call, each step later than the last. It
// starts off UTC and with nanoseconds, so that tests see the pipeline
// normalise times.
type testClock struct {
	mu   sync.Mutex
	next time.Time
	step time.Duration
}

func newClock() *testClock {
	return &testClock{
		next: time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600)),
		step: time.Minute + 987*time.Nanosecond,
	}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.next
	c.next = c.next.Add(c.step)
	return now
}

// Peek returns what the pipeline will record for the next reading: the
// next instant in UTC, truncated to the microsecond.
func (c *testClock) Peek() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.next.UTC().Truncate(time.Microsecond)
}

type ticketEnv struct {
	m     *sms.Machine[*Ticket]
	store *memstore.Store[*Ticket]
	clock *testClock
}

// newTicketEnv returns a machine over a fresh memstore with the test clock.
// opts may set anything but Now.
func newTicketEnv(t testing.TB, opts sms.Options) *ticketEnv {
	t.Helper()
	return newTicketEnvWith(t, ticketWorkflow(t), memstore.New[*Ticket](), opts)
}

func newTicketEnvWith(t testing.TB, wf *sms.Workflow[*Ticket], s *memstore.Store[*Ticket], opts sms.Options) *ticketEnv {
	t.Helper()
	c := newClock()
	opts.Now = c.Now
	m, err := sms.NewMachine[*Ticket](wf, s, opts)
	require.NoError(t, err)
	return &ticketEnv{m: m, store: s, clock: c}
}

// file creates a ticket with the given ID.
func (env *ticketEnv) file(t testing.TB, id string) *Ticket {
	t.Helper()
	tk, err := env.m.Create(context.Background(), rita, ticketCmd{ID: id, Title: "printer on fire", Service: "printing"})
	require.NoError(t, err)
	return tk
}

// working creates a ticket and starts work on it, assigned to alice.
func (env *ticketEnv) working(t testing.TB, id string) *Ticket {
	t.Helper()
	env.file(t, id)
	tk, err := env.m.Fire(context.Background(), alice, id, trStart, ticketCmd{Assignee: alice.ID})
	require.NoError(t, err)
	return tk
}

// snapshot is the stored state of one entity: its JSON and its journal's.
type snapshot struct{ entity, journal string }

func (env *ticketEnv) snap(t testing.TB, id string) snapshot {
	t.Helper()
	ctx := context.Background()
	tk, err := env.store.Get(ctx, id)
	require.NoError(t, err)
	j, err := env.store.Journal(ctx, id)
	require.NoError(t, err)
	return snapshot{entity: mustJSON(t, tk), journal: mustJSON(t, j)}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
