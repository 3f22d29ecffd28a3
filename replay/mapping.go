package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
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
	// "2/1/2006 15:04", or the name of one of the time package's layouts:
	// "RFC3339", "DateTime", ...) and the zone of times without an offset
	// (IANA name; default UTC). Payload templates' |time filter uses the
	// same layout.
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
	// Group, optional, is the column naming the support group a row's
	// record is with (ServiceNow's assignment_group): the summary then
	// counts each group's events and the hand-offs between groups.
	Group struct {
		Column string `json:"column"`
	} `json:"group"`
	// Filter, optional, replays only the cases it keeps (a period, an
	// attribute): the others are counted in Summary.Filtered and nothing
	// else. A host may set it after ParseMapping; Run checks it.
	Filter Filter `json:"filter,omitzero"`
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

// Filter selects the cases a replay judges, as a process-mining tool
// filters a log by period and by attribute.
type Filter struct {
	// Since and Until bound the period: a case is kept when its first
	// event is at or after Since and before Until (zero: unbounded). In
	// the mapping's JSON they are RFC 3339 times.
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	// Where keeps a case only when, for every column it names, some row
	// of the case holds one of the column's values (a null counts as "").
	Where map[string][]string `json:"where,omitempty"`
}

// check reports what makes the filter unusable, or "".
func (f *Filter) check() string {
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return fmt.Sprintf("filter: since (%s) must be before until (%s)", f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	}
	for col, vals := range f.Where {
		if col == "" {
			return "filter: where names an empty column"
		}
		if len(vals) == 0 {
			return fmt.Sprintf("filter: where %q lists no value", col)
		}
	}
	return ""
}

// keeps reports whether the filter keeps the case.
func (f *Filter) keeps(c *Case) bool {
	first := c.Events[0].Time
	if (!f.Since.IsZero() && first.Before(f.Since)) || (!f.Until.IsZero() && !first.Before(f.Until)) {
		return false
	}
	for col, vals := range f.Where {
		if !slices.ContainsFunc(c.Events, func(e Event) bool { return slices.Contains(vals, e.Value(col)) }) {
			return false
		}
	}
	return true
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
	raw, err := io.ReadAll(io.LimitReader(r, maxMappingBytes+1))
	if err != nil {
		return nil, &MappingError{Mapping: "?", Problem: "unreadable: " + err.Error()}
	}
	if len(raw) > maxMappingBytes {
		return nil, &MappingError{Mapping: "?", Problem: fmt.Sprintf("larger than %d bytes", maxMappingBytes)}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		off := dec.InputOffset()
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch { // each offset is of the byte after the fault
		case errors.As(err, &se):
			off = se.Offset - 1
		case errors.As(err, &te):
			off = te.Offset - 1
		}
		line, col := position(raw, off)
		return nil, &MappingError{Mapping: "?", Problem: fmt.Sprintf("not valid mapping JSON near line %d, column %d: %v", line, col, err)}
	}
	if dec.More() {
		line, col := position(raw, dec.InputOffset())
		return nil, &MappingError{Mapping: "?", Problem: fmt.Sprintf("more than one JSON value: the second starts near line %d, column %d", line, col)}
	}
	if err := m.compile(); err != nil {
		return nil, err
	}
	return &m, nil
}

// maxMappingBytes bounds a mapping file.
const maxMappingBytes = 1 << 20

// position returns the line and column (from 1, in bytes) of offset in b.
func position(b []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(b)))
	before := b[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// layoutNames are the time layouts a mapping may name instead of writing
// them out: Go's names for them in the time package.
var layoutNames = map[string]string{
	"ANSIC": time.ANSIC, "UnixDate": time.UnixDate, "RubyDate": time.RubyDate, "RFC822": time.RFC822, "RFC822Z": time.RFC822Z,
	"RFC850": time.RFC850, "RFC1123": time.RFC1123, "RFC1123Z": time.RFC1123Z, "RFC3339": time.RFC3339, "RFC3339Nano": time.RFC3339Nano,
	"Kitchen": time.Kitchen, "Stamp": time.Stamp, "StampMilli": time.StampMilli, "StampMicro": time.StampMicro,
	"StampNano": time.StampNano, "DateTime": time.DateTime, "DateOnly": time.DateOnly, "TimeOnly": time.TimeOnly,
}

// enumerated lists, per trigger, the payload fields whose values the
// incident service takes from a list, and the list.
var enumerated = map[incident.Trigger]map[string][]string{
	incident.TriggerLog: {"source": {string(incident.SourceUser), string(incident.SourceMonitoring), string(incident.SourceSupplier),
		string(incident.SourceOther)}},
	incident.TriggerHold: {"reason": {string(incident.HoldCaller), string(incident.HoldSupplier), string(incident.HoldChange),
		string(incident.HoldProblem)}},
	incident.TriggerEscalate: {"kind": {string(incident.Functional), string(incident.Hierarchical)}},
	incident.TriggerCancel: {"reason": {string(incident.CancelDuplicate), string(incident.CancelNotAnIncident),
		string(incident.CancelRaisedInError)}},
	incident.TriggerClose:    {"confirmation": {string(incident.ConfirmedByCaller), string(incident.AutoClosed)}},
	incident.TriggerClassify: {"security": {"true", "false"}},
}

// numeric and timed list the payload fields that are numbers and times.
var (
	numeric = map[string]bool{"impact": true, "urgency": true, "priority": true, "security_risk": true}
	timed   = map[string]bool{"reported_at": true, "restored_at": true}
)

// fits says what is wrong with the template as trigger tr's field f, or
// "": a value it can produce that the command refuses (a literal, or a map
// filter's value, outside the field's list or not a number), a time field
// that does not go through {$time} or |time, a number field read from a
// column without |int or a map filter.
func (t template) fits(tr incident.Trigger, f string) string {
	allowed := enumerated[tr][f]
	check := func(v string) string {
		switch {
		case allowed != nil && !slices.Contains(allowed, v):
			return fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", "))
		case numeric[f] && strings.Trim(v, "0123456789") != "":
			return fmt.Sprintf("%q is not a number", v)
		case timed[f]:
			if _, err := time.Parse(time.RFC3339, v); err != nil {
				return fmt.Sprintf("%q is not an RFC 3339 time", v)
			}
		}
		return ""
	}
	if len(t.parts) == 1 && t.parts[0].expr == nil {
		return check(t.parts[0].literal)
	}
	for _, p := range t.parts {
		if p.expr == nil {
			continue
		}
		var last string
		if n := len(p.expr.filters); n > 0 {
			last = p.expr.filters[n-1].name
			if last == "map" {
				for _, v := range p.expr.filters[n-1].table {
					if problem := check(v); problem != "" {
						return "the map filter gives " + problem
					}
				}
				continue
			}
		}
		reads := slices.ContainsFunc(p.expr.sources, func(s string) bool { return s[0] != '\'' && s[0] != '$' })
		switch {
		case timed[f] && reads && last != "time":
			return "a time read from a column needs the |time filter (or {$time}, the event's time)"
		case numeric[f] && reads && last != "int":
			return "a number read from a column needs the |int filter, or a map filter from words to numbers"
		}
		for _, src := range p.expr.sources {
			if src[0] == '\'' {
				if problem := check(src[1 : len(src)-1]); problem != "" {
					return problem
				}
			}
		}
	}
	return ""
}

// values returns the values the template can give that the mapping
// spells out: the template itself when it is a literal, its literal
// sources, and its map filters' values.
func (t template) values() []string {
	if len(t.parts) == 1 && t.parts[0].expr == nil {
		return []string{t.parts[0].literal}
	}
	var out []string
	for _, p := range t.parts {
		if p.expr == nil {
			continue
		}
		if n := len(p.expr.filters); n > 0 && p.expr.filters[n-1].name == "map" {
			for _, v := range p.expr.filters[n-1].table {
				out = append(out, v)
			}
			continue
		}
		for _, src := range p.expr.sources {
			if src[0] == '\'' {
				out = append(out, src[1:len(src)-1])
			}
		}
	}
	return out
}

// statusNames lists the incident statuses.
func statusNames() string {
	var out []string
	for _, st := range incident.Statuses() {
		out = append(out, string(st))
	}
	return strings.Join(out, ", ")
}

// replayable lists the triggers a route or on_repeat may fire.
func replayable() string {
	var out []string
	for _, tr := range incident.Triggers() {
		if _, ok := fieldsOf(tr); ok && tr != incident.TriggerLog {
			out = append(out, string(tr))
		}
	}
	return strings.Join(out, ", ")
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
	if p := m.Filter.check(); p != "" {
		return bad("%s", p)
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
	if l, ok := layoutNames[strings.TrimPrefix(m.Time.Layout, "time.")]; ok {
		m.Time.Layout = l
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
				return bad("state %q: on_repeat trigger %q cannot be replayed (replayable: %s)", name, tr, replayable())
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
	// Routes are numbered from 1, as a reader counts them in the file.
	for i, r := range m.Routes {
		n := i + 1
		if len(r.From) == 0 || r.To == "" {
			return bad("route %d needs from and to", n)
		}
		for _, f := range append(slices.Clone(r.From), r.To) {
			if f != "*" && !incident.Status(f).Valid() {
				return bad("route %d names unknown status %q (statuses: %s)", n, f, statusNames())
			}
		}
		if len(r.Triggers) == 0 {
			return bad("route %d fires no trigger (replayable: %s)", n, replayable())
		}
		for _, tr := range r.Triggers {
			if _, ok := fieldsOf(tr); !ok || tr == incident.TriggerLog {
				return bad("route %d: trigger %q cannot be replayed (replayable: %s)", n, tr, replayable())
			}
		}
		// A move between two source states of one status is no move,
		// but between two hold reasons.
		if r.To != "*" && r.To != string(incident.StatusOnHold) && !slices.ContainsFunc(r.From, func(f string) bool { return f != r.To }) {
			return bad("route %d goes from %s to itself and never fires: a repeated status fires its state's on_repeat", n, r.To)
		}
		for k, e := range m.Routes[:i] {
			if (e.To == "*" || e.To == r.To) && (slices.Contains(e.From, "*") || !slices.ContainsFunc(r.From, func(f string) bool { return !slices.Contains(e.From, f) })) {
				return bad("route %d never fires: route %d, before it, matches every move it does (first match wins)", n, k+1)
			}
		}
	}
	m.payloads = map[incident.Trigger]map[string]template{}
	for name, st := range m.States {
		if st.Hold != "" && !slices.Contains(enumerated[incident.TriggerHold]["reason"], string(st.Hold)) {
			return bad("state %q: hold reason %q is not one the incident service knows (%s)", name, st.Hold,
				strings.Join(enumerated[incident.TriggerHold]["reason"], ", "))
		}
	}
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
			if problem := t.fits(tr, f); problem != "" {
				return bad("payloads.%s.%s %q: %s", tr, f, src, problem)
			}
			m.payloads[tr][f] = t
		}
	}
	if m.Policy.Matrix != nil {
		if err := m.Policy.Matrix.Validate(); err != nil {
			return bad("policy.matrix: %v", err)
		}
	}
	mx := m.policy().Matrix
	for f, top := range map[string]int{"impact": mx.Impacts(), "urgency": mx.Urgencies(), "priority": int(mx.Lowest())} {
		for _, v := range m.payloads[incident.TriggerClassify][f].values() {
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > top {
				return bad("payloads.classify.%s: %q is outside the policy's matrix (1 to %d)", f, v, top)
			}
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
	if m.Group.Column != "" {
		cols = append(cols, m.Group.Column)
	}
	for col := range m.Filter.Where {
		cols = append(cols, col)
	}
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
