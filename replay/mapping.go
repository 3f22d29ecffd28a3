package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
)

// Mapping says how to read one export: which columns hold the case, the
// state, the time and the actor; which source states mean which incident
// status; which triggers move an incident from one status to another; and
// how each trigger's command is filled from the row. It is data, read from
// JSON with [ParseMapping], so a new export needs a new mapping, not a new
// release.
type Mapping struct {
	// Name identifies the mapping in reports.
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`

	// Case is the column holding the case ID; rows of a case are contiguous.
	Case string `json:"case"`
	// State names the column(s) whose values, joined by Separator (default
	// "/"), form the source state: "Active" or "Pending/Vendor".
	State struct {
		Columns   []string `json:"columns"`
		Separator string   `json:"separator,omitempty"`
	} `json:"state"`
	// Time is the event-time column, its layout (Go reference time, such as
	// "2/1/2006 15:04" or time.RFC3339) and the zone of times without an
	// offset (IANA name; default UTC). Payload templates' |time filter
	// uses the same layout.
	Time struct {
		Column string `json:"column"`
		Layout string `json:"layout"`
		Zone   string `json:"zone,omitempty"`
	} `json:"time"`
	// Actor is the column naming who made the change, and the roles the
	// replay grants every actor (default: all incident agent roles, so that
	// the replay judges the process, not the source tool's permissions).
	Actor struct {
		Column string     `json:"column"`
		Roles  []sms.Role `json:"roles,omitempty"`
	} `json:"actor"`
	// Null lists cell values that mean "empty", such as "?" or "NULL".
	Null []string `json:"null,omitempty"`
	// Comma is the field separator, one character; default ",".
	Comma string `json:"comma,omitempty"`

	// States maps each source state to an incident status. A row whose
	// state is not listed is a bad row.
	States map[string]State `json:"states"`
	// Routes say which triggers take an incident from one status to
	// another, first match wins. A change of source state with no route is
	// fired as the target status's own entry trigger, and the workflow
	// judges it.
	Routes []Route `json:"routes"`
	// Payloads fill each trigger's command: field name -> template.
	Payloads map[incident.Trigger]map[string]string `json:"payloads"`
	// Policy adjusts the incident policy the replay judges under.
	Policy struct {
		// AutoCloseAfter, a Go duration ("120h"), is the quiet period after
		// which a resolved incident may close without confirmation.
		AutoCloseAfter string `json:"auto_close_after,omitempty"`
		// Matrix replaces the default priority matrix.
		Matrix *incident.Matrix `json:"matrix,omitempty"`
		// Successor follows a case the log moves out of closed onto a
		// successor incident (incident.Service.Succeed: linked
		// reopened_from to the closed one, which stays closed, INC-16),
		// as a host that opens one when a caller writes after closure
		// does, instead of recording the move as a deviation. The
		// successors' IDs are the case's with "-2", "-3", ... appended.
		Successor bool `json:"successor,omitempty"`
	} `json:"policy"`

	zone      *time.Location
	payloads  map[incident.Trigger]map[string]template
	holdRefs  map[string]template // source state -> hold reference template
	routeTrig [][]incident.Trigger
}

// State is what a source state means.
type State struct {
	// Status is the incident status the source state corresponds to.
	Status incident.Status `json:"status"`
	// Hold is the hold reason when Status is on_hold.
	Hold incident.HoldReason `json:"hold,omitempty"`
	// Ref is a template for the record waited for (a problem, a vendor
	// ticket) when Status is on_hold.
	Ref string `json:"ref,omitempty"`
	// OnRepeat lists triggers fired when a row repeats this state: an
	// update without a change of state (for example record_action, or
	// note). Empty means a repeated state fires nothing.
	OnRepeat []incident.Trigger `json:"on_repeat,omitempty"`
}

// Route is one way from statuses to a status.
type Route struct {
	// From lists the statuses the route starts from; "*" matches any.
	From []string `json:"from"`
	// To is the target status, or "*" for any.
	To string `json:"to"`
	// Triggers are fired in order.
	Triggers []incident.Trigger `json:"triggers"`
}

// MappingError reports a mapping that cannot be used.
type MappingError struct {
	Mapping string
	Problem string
}

// Error implements the error interface.
func (e *MappingError) Error() string {
	return fmt.Sprintf("replay: mapping %q: %s", e.Mapping, e.Problem)
}

// Unwrap returns [sms.ErrInvalid].
func (e *MappingError) Unwrap() error { return sms.ErrInvalid }

// ParseMapping reads a mapping from JSON and checks it: unknown JSON fields,
// statuses, triggers, payload fields and malformed templates are a
// [*MappingError]. Whether the columns it names exist is checked against
// the CSV header by [NewReader].
func ParseMapping(r io.Reader) (*Mapping, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		return nil, &MappingError{Mapping: "?", Problem: "not valid mapping JSON: " + err.Error()}
	}
	if err := m.compile(); err != nil {
		return nil, err
	}
	return &m, nil
}

// fieldsOf lists the fields each replayable trigger's payload may set.
func fieldsOf(tr incident.Trigger) ([]string, bool) {
	f, ok := map[incident.Trigger][]string{
		incident.TriggerLog:          {"id", "summary", "description", "service", "source", "reporter", "reported_at", "config_items", "reopened_from"},
		incident.TriggerClassify:     {"category", "service", "config_items", "impact", "urgency", "priority", "override_reason", "security", "security_risk"},
		incident.TriggerAssign:       {"group", "assignee", "note"},
		incident.TriggerStart:        {"note"},
		incident.TriggerHold:         {"reason", "ref", "note"},
		incident.TriggerResume:       {"note"},
		incident.TriggerEscalate:     {"kind", "target", "reason"},
		incident.TriggerRecordAction: {"text", "known_error"},
		incident.TriggerNote:         {"text"},
		incident.TriggerLink:         {"type", "id"},
		incident.TriggerResolve:      {"code", "notes", "restored_at", "known_error"},
		incident.TriggerReopen:       {"reason"},
		incident.TriggerClose:        {"code", "confirmation"},
		incident.TriggerCancel:       {"reason", "duplicate_of", "note"},
	}[tr]
	return f, ok
}

func (m *Mapping) compile() error {
	bad := func(format string, args ...any) error {
		return &MappingError{Mapping: m.Name, Problem: fmt.Sprintf(format, args...)}
	}
	if m.Name == "" {
		return bad("needs a name")
	}
	if m.Case == "" || len(m.State.Columns) == 0 || m.Time.Column == "" || m.Time.Layout == "" || m.Actor.Column == "" {
		return bad("needs the case, state, time (with layout) and actor columns")
	}
	if m.Comma != "" && (len([]rune(m.Comma)) != 1 || m.Comma == "\"" || m.Comma == "\n" || m.Comma == "\r") {
		return bad("comma %q must be one character other than a quote or a line break", m.Comma)
	}
	if m.State.Separator == "" {
		m.State.Separator = "/"
	}
	m.zone = time.UTC
	if m.Time.Zone != "" {
		z, err := time.LoadLocation(m.Time.Zone)
		if err != nil {
			return bad("time zone %q: %v", m.Time.Zone, err)
		}
		m.zone = z
	}
	if len(m.Actor.Roles) == 0 {
		m.Actor.Roles = []sms.Role{incident.RoleServiceDesk, incident.RoleResolver, incident.RoleIncidentManager, incident.RoleCaller}
	}
	if len(m.States) == 0 {
		return bad("maps no source state")
	}
	m.holdRefs = map[string]template{}
	for name, st := range m.States {
		if !st.Status.Valid() {
			return bad("state %q maps to unknown status %q", name, st.Status)
		}
		if (st.Status == incident.StatusOnHold) != (st.Hold != "") {
			return bad("state %q: a hold reason goes with status on_hold, and only with it", name)
		}
		for _, tr := range st.OnRepeat {
			if _, ok := fieldsOf(tr); !ok || tr == incident.TriggerLog {
				return bad("state %q: on_repeat trigger %q cannot be replayed", name, tr)
			}
		}
		if st.Ref != "" {
			t, err := parseTemplate(st.Ref)
			if err != nil {
				return bad("state %q ref: %v", name, err)
			}
			m.holdRefs[name] = t
		}
	}
	for i, r := range m.Routes {
		if len(r.From) == 0 || r.To == "" {
			return bad("route %d needs from and to", i)
		}
		for _, f := range append(slices.Clone(r.From), r.To) {
			if f != "*" && !incident.Status(f).Valid() {
				return bad("route %d names unknown status %q", i, f)
			}
		}
		for _, tr := range r.Triggers {
			if _, ok := fieldsOf(tr); !ok || tr == incident.TriggerLog {
				return bad("route %d: trigger %q cannot be replayed", i, tr)
			}
		}
	}
	m.payloads = map[incident.Trigger]map[string]template{}
	for tr, fields := range m.Payloads {
		allowed, ok := fieldsOf(tr)
		if !ok {
			return bad("payloads: trigger %q cannot be replayed", tr)
		}
		m.payloads[tr] = map[string]template{}
		for f, src := range fields {
			if !slices.Contains(allowed, f) {
				return bad("payloads.%s: unknown field %q (allowed: %s)", tr, f, strings.Join(allowed, ", "))
			}
			t, err := parseTemplate(src)
			if err != nil {
				return bad("payloads.%s.%s: %v", tr, f, err)
			}
			m.payloads[tr][f] = t
		}
	}
	if _, ok := m.payloads[incident.TriggerLog]; !ok {
		return bad("payloads.log is required: it creates each case's incident")
	}
	if d := m.Policy.AutoCloseAfter; d != "" {
		if v, err := time.ParseDuration(d); err != nil || v < 0 {
			return bad("policy.auto_close_after %q is not a non-negative duration", d)
		}
	}
	return nil
}

// policy returns the incident policy the replay judges under.
func (m *Mapping) policy() incident.Policy {
	p := incident.DefaultPolicy()
	if m.Policy.AutoCloseAfter != "" {
		p.AutoCloseAfter, _ = time.ParseDuration(m.Policy.AutoCloseAfter)
	}
	if m.Policy.Matrix != nil {
		p.Matrix = *m.Policy.Matrix
	}
	return p
}

// columns returns every column the mapping reads.
func (m *Mapping) columns() []string {
	cols := []string{m.Case, m.Time.Column, m.Actor.Column}
	cols = append(cols, m.State.Columns...)
	for _, fields := range m.payloads {
		for _, t := range fields {
			cols = append(cols, t.columns()...)
		}
	}
	for _, t := range m.holdRefs {
		cols = append(cols, t.columns()...)
	}
	slices.Sort(cols)
	return slices.Compact(cols)
}

// route returns the triggers that take an incident from one status to
// another, or nil when no route matches.
func (m *Mapping) route(from, to incident.Status) []incident.Trigger {
	for _, r := range m.Routes {
		if (r.To == "*" || r.To == string(to)) && (slices.Contains(r.From, "*") || slices.Contains(r.From, string(from))) {
			return r.Triggers
		}
	}
	return nil
}

// entryTrigger is the trigger that enters a status, fired when no route
// matches, so that the workflow judges the move.
func entryTrigger(to incident.Status) incident.Trigger {
	switch to {
	case incident.StatusAssigned:
		return incident.TriggerAssign
	case incident.StatusInProgress:
		return incident.TriggerStart
	case incident.StatusOnHold:
		return incident.TriggerHold
	case incident.StatusResolved:
		return incident.TriggerResolve
	case incident.StatusClosed:
		return incident.TriggerClose
	case incident.StatusCancelled:
		return incident.TriggerCancel
	}
	return incident.TriggerNote
}
