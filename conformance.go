package sms

import (
	"context"
	"slices"
	"time"
)

// Conformance: the checks an auditor runs over stored records, the same
// for every process. A process declares its checks as data ([Check]),
// citing requirements of its catalogue by ID; an [Audit] runs them over
// populations of records, of one kind or several, and produces the
// [Report] whose JSON form is the evidence an auditor receives:
//
//	{"as_of": ..., "results": [{"check": ..., "clause": ..., "rule": ..., "population": N,
//	  "failures": [{"code": ..., "requirement": {"id": ..., "clause": ..., "text": ...},
//	                "kind": ..., "entity_id": ..., "detail": ..., "at": ...}]}]}
//
// The names of checks and the codes of findings are persisted by those who
// keep reports: never renamed or reused.

// Check is one conformance check over records of type E: which records it
// examines and what it demands of each. A check reads the stored fields
// (and, where it is given, the journal); it never trusts the status alone:
// a closed record that lacks a field its closure requires fails even if it
// reached closed somehow.
type Check[E any] struct {
	// Name identifies the check in reports: "incident-closure-completeness".
	Name string
	// Clause is the clause of ISO/IEC 20000-1:2018 the check evidences.
	Clause string
	// Rule states what every record of the population must satisfy.
	Rule string
	// Cites lists the IDs of the requirements the check's findings cite:
	// what a catalogue test compares with the catalogue.
	Cites []string
	// Applies says whether the record is in the check's population; nil
	// means every record.
	Applies func(E) bool
	// Eval examines one record of the population and reports each failure
	// with [Examined.Fail].
	Eval func(e E, x *Examined)
}

// Examined is what a check's Eval is given besides the record.
type Examined struct {
	Kind Kind
	ID   string
	// AsOf is the time the audit judges at, in UTC.
	AsOf time.Time
	// Journal is the record's journal, verified, when the audit read it from
	// a store; nil when a record is checked on its own.
	Journal []Entry

	a   *Audit
	res *CheckResult
}

// Fail records a finding against the record: code is the finding's stable
// code, requirement the ID of the requirement it fails (its clause and text
// come from the audit's catalogue), detail what exactly is missing or late.
func (x *Examined) Fail(code, requirement, detail string) {
	x.res.Failures = append(x.res.Failures, Finding{Code: code, Requirement: x.a.Requirement(requirement),
		Kind: x.Kind, EntityID: x.ID, Detail: detail, At: x.AsOf})
}

// Audit accumulates the results of conformance checks over populations of
// records, of one kind or several, into a [Report]. Make it with
// [NewAudit], declare checks with [Declare] (so that a check whose
// population is empty still appears), examine records with [Examine] or a
// whole store with [ConformStore], and read the [Audit.Report]. An Audit is
// not safe for concurrent use.
type Audit struct {
	asOf      time.Time
	catalogue []Requirement
	ver       CheckResult
	verified  bool
	results   []CheckResult
	index     map[string]int
}

// NewAudit returns an audit that judges at asOf and cites the
// requirements of catalogue.
func NewAudit(asOf time.Time, catalogue []Requirement) *Audit {
	return &Audit{asOf: asOf.UTC(), catalogue: catalogue, ver: NewVerificationResult(), index: map[string]int{}}
}

// AsOf returns the time the audit judges at.
func (a *Audit) AsOf() time.Time { return a.asOf }

// Requirement returns the requirement of the catalogue with the ID, or one
// that carries only the ID when the catalogue lacks it (a catalogue test
// catches that).
func (a *Audit) Requirement(id string) Requirement {
	if id == RecordIntegrity().ID {
		return RecordIntegrity()
	}
	for _, r := range a.catalogue {
		if r.ID == id {
			return r
		}
	}
	return Requirement{ID: id}
}

// Finding returns a finding about a record at the audit's time, citing the
// requirement of the catalogue: what a sweep reports.
func (a *Audit) Finding(code, requirement string, kind Kind, id, detail string) Finding {
	return Finding{Code: code, Requirement: a.Requirement(requirement), Kind: kind, EntityID: id, Detail: detail, At: a.asOf}
}

func (a *Audit) result(name, clause, rule string) *CheckResult {
	i, ok := a.index[name]
	if !ok {
		i = len(a.results)
		a.index[name] = i
		a.results = append(a.results, CheckResult{Check: name, Clause: clause, Rule: rule, Failures: []Finding{}})
	}
	return &a.results[i]
}

// Declare adds the checks' results to the audit's report, in order, with
// empty populations: a check that examined nothing is reported as such.
func Declare[E any](a *Audit, checks []Check[E]) {
	for _, c := range checks {
		a.result(c.Name, c.Clause, c.Rule)
	}
}

// Examine runs the checks on one record; journal is the record's verified
// journal when the audit has it, nil otherwise.
func Examine[E Entity[E]](a *Audit, checks []Check[E], e E, journal []Entry) {
	if IsNil(e) {
		return
	}
	x := Examined{Kind: e.EntityKind(), ID: e.Metadata().ID, AsOf: a.asOf, Journal: journal, a: a}
	for i := range checks {
		c := &checks[i]
		if c.Applies != nil && !c.Applies(e) {
			continue
		}
		x.res = a.result(c.Name, c.Clause, c.Rule)
		x.res.Population++
		c.Eval(e, &x)
	}
}

// Unverified reports a record that does not verify against its journal in
// the audit's record-verification result (see [CodeRecordUnverified]).
func (a *Audit) Unverified(kind Kind, id string, err error) {
	a.verified = true
	a.ver.Unverified(kind, id, err, a.asOf)
}

// countVerified counts a record that verified in the record-verification
// population.
func (a *Audit) countVerified() {
	a.verified = true
	a.ver.Population++
}

// Report returns the audit's report: the record-verification result first
// when the audit read records from a store, then every check's result in
// the order the checks were declared or first applied.
func (a *Audit) Report() Report {
	r := Report{AsOf: a.asOf}
	if a.verified {
		v := a.ver
		v.Failures = slices.Clone(v.Failures)
		r.Results = append(r.Results, v)
	}
	for _, res := range a.results {
		res.Failures = slices.Clone(res.Failures)
		r.Results = append(r.Results, res)
	}
	return r
}

// ConformStore runs the checks over every record q lists from the
// machine's store that verifies against its journal, handing each check
// the verified journal; a record that does not verify (one that cannot be
// decoded, a journal altered, fields changed outside the pipeline) is a
// [CodeRecordUnverified] finding and is not examined by the checks. A
// record that does not verify does not stop the run; a store or context
// error does, and is returned with what the audit holds so far.
func ConformStore[E Entity[E]](ctx context.Context, a *Audit, m *Machine[E], q Query, checks []Check[E]) error {
	return ConformStoreFunc(ctx, a, m, q, checks, nil)
}

// ConformStoreFunc is [ConformStore] that also hands visit, when it is not
// nil, every record that verified, after the checks examined it: what a
// check over several kinds needs (the services an agreement covers, the
// contracts in force), read once with the rest and only from records that
// verify.
func ConformStoreFunc[E Entity[E]](ctx context.Context, a *Audit, m *Machine[E], q Query, checks []Check[E], visit func(e E, journal []Entry)) error {
	if a == nil || m == nil {
		return &ValidationError{Field: "audit", Problem: "needs an audit and a machine"}
	}
	Declare(a, checks)
	if q.Limit == 0 {
		q.Limit = MaxLimit
	}
	kind := m.kind()
	return m.EachVerified(ctx, q, func(e E, journal []Entry) bool {
		a.countVerified()
		Examine(a, checks, e, journal)
		if visit != nil {
			visit(e, journal)
		}
		return true
	}, func(id string, err error) error {
		a.Unverified(kind, id, err)
		return nil
	})
}

// SweepStore calls sweep with every record q lists from the machine's
// store that verifies against its journal and gathers the findings it
// returns; each record that does not verify is a [CodeRecordUnverified]
// finding, first among them. It is how a process's Sweep reads its store:
// periodic findings are evidence too, and are never drawn from a record
// that does not verify.
func SweepStore[E Entity[E]](ctx context.Context, m *Machine[E], q Query, asOf time.Time, sweep func(e E, journal []Entry) []Finding) ([]Finding, error) {
	if m == nil || sweep == nil {
		return nil, &ValidationError{Field: "sweep", Problem: "needs a machine and a sweep"}
	}
	if q.Limit == 0 {
		q.Limit = MaxLimit
	}
	asOf = asOf.UTC()
	var bad, out []Finding
	err := m.EachVerified(ctx, q, func(e E, journal []Entry) bool {
		out = append(out, sweep(e, journal)...)
		return true
	}, func(id string, err error) error {
		bad = append(bad, Finding{Code: CodeRecordUnverified, Requirement: RecordIntegrity(), Kind: m.kind(), EntityID: id, Detail: err.Error(), At: asOf})
		return nil
	})
	return append(bad, out...), err
}

// ConformSweepStore is [ConformStore] over every record and [SweepStore]
// over those sweepQ matches, in one pass that reads and verifies each
// record once: what a reader of both, an evidence pack over a million
// records, needs. The checks examine every record that verifies; sweep is
// handed those of them sweepQ matches (its status and attribute filters;
// its cursor and limit are ignored) and the findings it returns are
// gathered. A record that does not verify is the audit's (a
// [CodeRecordUnverified] failure of its record-verification result), not
// among the findings returned.
func ConformSweepStore[E Entity[E]](ctx context.Context, a *Audit, m *Machine[E], checks []Check[E], sweepQ Query, sweep func(e E, journal []Entry) []Finding) ([]Finding, error) {
	if sweep == nil {
		return nil, &ValidationError{Field: "sweep", Problem: "needs a sweep"}
	}
	if err := sweepQ.Validate(); err != nil {
		return nil, err
	}
	var out []Finding
	err := ConformStoreFunc(ctx, a, m, Query{}, checks, func(e E, journal []Entry) {
		if sweepQ.Match(e.State(), e.Attributes()) {
			out = append(out, sweep(e, journal)...)
		}
	})
	return out, err
}

// ActorsOf returns, in journal order and each once, the actors who fired
// the triggers named: the acting identities a segregation-of-duties check
// compares, as the journal records them.
func ActorsOf(journal []Entry, triggers ...string) []string {
	var out []string
	for _, en := range journal {
		if slices.Contains(triggers, en.Trigger) && !slices.Contains(out, en.Actor.ID) {
			out = append(out, en.Actor.ID)
		}
	}
	return out
}
