package evidence

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/checkpoint"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/report"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/supplier"
)

// Sources are the services a host keeps, one field per process record
// kind; a nil field means that process is not examined. The fields that a
// process's conformance check reads together come together: Suppliers and
// Contracts, ContinuityRequirements, ContinuityPlans and ContinuityTests
// (and Invocations, which need them), AuditProgrammes and Audits,
// AvailabilityPlans and Outages. Giving one of a set without the others is
// refused as invalid. Disputes, ContinuityRisks, Nonconformities and
// Opportunities stand alone.
//
// A request service examines its catalogue items, a problem service its
// known errors, and a change service its transition plans and templates:
// their Conform reads them.
type Sources struct {
	Incidents *incident.Service
	Requests  *request.Service
	Problems  *problem.Service
	Changes   *change.Service
	Releases  *release.Service
	// Reviews is the review register; its diagram is the workflow of its
	// first schedule's requirement.
	Reviews *review.Service

	Agreements        *servicelevel.Agreements
	AvailabilityPlans *servicelevel.Plans
	Outages           *servicelevel.Outages

	Suppliers *supplier.Suppliers
	Contracts *supplier.Contracts
	Disputes  *supplier.Disputes

	ContinuityRequirements *continuity.Requirements
	ContinuityPlans        *continuity.Plans
	ContinuityTests        *continuity.Tests
	Invocations            *continuity.Invocations
	ContinuityRisks        *continuity.RiskAssessments

	AuditProgrammes *audit.Programmes
	Audits          *audit.Audits
	Nonconformities *audit.Nonconformities
	Opportunities   *audit.Opportunities

	// ReportDefinitions and ReportInstances are service reporting
	// (REPORT_MISSING); the issued instances' trends fill the pack's
	// Trends. They come together.
	ReportDefinitions *report.Definitions
	ReportInstances   *report.Instances
}

// CheckpointInput is a signed checkpoint ([checkpoint.Build]) to verify
// the stores against: the checkpoint, the public key it is signed with,
// its leaves, and the journals of the store it covers (sqlstore's
// Evidence). Leaves nil says the store holds none for the checkpoint, or
// none that read: a CHECKPOINT_PROBLEM, as leaves altered are.
type CheckpointInput struct {
	Checkpoint *checkpoint.Checkpoint
	Public     ed25519.PublicKey
	Leaves     *checkpoint.Leaves
	Journals   checkpoint.Journals
}

// CodeCheckpointProblem is the code of an unverified finding for a
// journal that no longer holds what the signed checkpoint covered: erased,
// truncated, rewritten or broken.
const CodeCheckpointProblem = "CHECKPOINT_PROBLEM"

// evCheckpoint verifies the stores against the checkpoint, saying what it
// found in v; a leaf set that does not match the checkpoint is a finding,
// a checkpoint that cannot be checked at all an error.
func evCheckpoint(ctx context.Context, in *CheckpointInput, v *Verification, add func(sms.Finding), asOf time.Time) error {
	cp := in.Checkpoint
	if cp == nil || in.Journals == nil || len(in.Public) != ed25519.PublicKeySize {
		return sms.Invalid("evidence", "checkpoint", "needs the checkpoint, the store's journals and an Ed25519 public key")
	}
	problem := func(detail string) {
		v.Checkpoint = detail
		add(sms.Finding{Code: CodeCheckpointProblem, Requirement: sms.RecordIntegrity(), Kind: "checkpoint", EntityID: fmt.Sprint(cp.Seq), Detail: detail, At: asOf})
	}
	if err := cp.VerifySignature(in.Public); err != nil {
		problem(fmt.Sprintf("checkpoint %d is not signed by the trusted key: %v", cp.Seq, err))
		return nil
	}
	if in.Leaves == nil {
		problem(fmt.Sprintf("checkpoint %d: its leaves are not in the store (erased, or unreadable)", cp.Seq))
		return nil
	}
	if err := cp.CheckLeaves(in.Leaves); err != nil {
		problem(fmt.Sprintf("checkpoint %d: its leaves are missing or altered: %v", cp.Seq, err))
		return nil
	}
	r, err := checkpoint.Verify(ctx, cp, in.Public, in.Leaves, in.Journals)
	if err != nil {
		return &Error{Process: "checkpoint", Kind: "checkpoint", Err: err}
	}
	v.Checkpoint = fmt.Sprintf("checkpoint %d signed by key %s: %d journals checked, %d problem(s)", cp.Seq, cp.KeyID(), r.Checked, len(r.Problems))
	for _, pb := range r.Problems {
		add(sms.Finding{Code: CodeCheckpointProblem, Requirement: sms.RecordIntegrity(), Kind: pb.Leaf.Kind, EntityID: pb.Leaf.ID, Detail: pb.String(), At: asOf})
	}
	return nil
}

// DefaultMaxRecords is the default of [Options.MaxRecords].
const DefaultMaxRecords = 1000

// Options are the host's inputs to [Build] that the stored records do not
// hold: what it delivers, and the intervals of its periodic obligations.
// The zero value works: every policy takes the defaults its package
// documents.
type Options struct {
	// MaxRecords caps the drill-down: at most this many failing records
	// are read with their journals (DefaultMaxRecords when zero). The
	// others are counted in [Pack.RecordsLeftOut].
	MaxRecords int
	// Checkpoint, when set, is a signed checkpoint the auditor kept: the
	// stores' journals are verified against it too.
	Checkpoint *CheckpointInput
	// LiveServices are the services delivered to customers, which need an
	// SLA in force (check 9).
	LiveServices []servicelevel.LiveService
	// ContinuityServices are the services the host lists as having agreed
	// continuity requirements, for the continuity plans' sweep
	// (CONT_PLAN_MISSING); the conformance check finds them itself from
	// the agreed requirements.
	ContinuityServices []string
	// ReferencedSuppliers are the supplier IDs the host's services,
	// configuration items or tickets name (SUPPLIER_NO_CONTRACT).
	ReferencedSuppliers []string

	SLA          servicelevel.Periodic
	Availability servicelevel.Upkeep
	Supplier     supplier.Policy
	Continuity   continuity.ConformPolicy
	// RiskEvery and RiskGrace are the interval of continuity risk
	// assessments (each calendar year in UTC when zero) and its grace.
	RiskEvery sms.Cadence
	RiskGrace time.Duration
	Audit     audit.ConformPolicy
}

// Error is a failure of a store while [Build] read it: Process names the
// process being examined, Kind the kind of record whose store failed (as
// the store's error names it, else the process's principal kind), and Err
// the error, which Unwrap returns.
type Error struct {
	Process string
	Kind    sms.Kind
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("evidence: %s (%s): %v", e.Process, e.Kind, e.Err)
}

// Unwrap returns the store's error.
func (e *Error) Unwrap() error { return e.Err }

// Process names, as [Check.Process], [Sweep.Process] and [Diagram.Process]
// carry them.
const (
	ProcessIncident      = "incident"
	ProcessRequest       = "request"
	ProcessProblem       = "problem"
	ProcessChange        = "change"
	ProcessRelease       = "release"
	ProcessReview        = "review"
	ProcessServiceLevel  = "service_level"
	ProcessAvailability  = "availability"
	ProcessSupplier      = "supplier"
	ProcessContinuity    = "continuity"
	ProcessAudit         = "internal_audit"
	ProcessNonconformity = "nonconformity"
	ProcessImprovement   = "improvement"
	ProcessReporting     = "reporting"
	// ProcessSweeps is the process of check 15, which spans every sweep.
	ProcessSweeps = "sweeps"
)

// CheckNoOverdue is the name of check 15 of the auditor suite, which
// [Build] adds: its failures are the sweeps' *_OVERDUE and *_MISSING
// findings as of the period's end.
const CheckNoOverdue = "no-overdue-periodic-obligations"

// evCheckNumbers maps each conformance check's name to its number in
// REQUIREMENTS.md section 17, the auditor evidence suite; a check not
// named here is one of the library's own, numbered 0. Several checks of a
// process together make one check of the suite (check 9 is the SLA
// content, follow-up, obligations and coverage checks).
var evCheckNumbers = map[string]int{
	"incident-closure-completeness":                       1,
	"major-incident-procedure":                            2,
	"requests-fulfilled-under-instructions-and-approvals": 3,
	"problems-known-errors-traceable":                     4,
	"known-error-currency":                                4,
	"change-authorized-before-implementation":             5,
	"change-closure":                                      6,
	"change-design-and-transition":                        7,
	"transition-plan-record":                              7,
	"release-deployment-controls":                         8,
	"release-analysis":                                    8,
	"agreement-content":                                   9,
	"agreement-follow-up":                                 9,
	"agreement-obligations":                               9,
	"sla-coverage":                                        9,
	"contract-control":                                    10,
	"supplier-control":                                    10,
	"dispute-managed-to-closure":                          10,
	"availability-requirement-current":                    11,
	"outage-investigation":                                11,
	"continuity-plan-control":                             12,
	"continuity-test-review":                              12,
	"continuity-invocation-control":                       12,
	"continuity-requirements-agreed":                      12,
	"continuity-coverage":                                 12,
	"continuity-tests-on-time":                            12,
	"audit-programme":                                     13,
	"internal-audit-conduct":                              13,
	"internal-audit-findings-linked":                      13,
	"audit-coverage":                                      13,
	"nonconformity-closure-evidence":                      14,
	"nonconformity-on-time":                               14,
	CheckNoOverdue:                                        15,
}

// CheckNumber returns the number in REQUIREMENTS.md section 17 of the
// conformance check named, 1 to 15, or 0 for a check of the library's own
// beyond the suite. The table is evCheckNumbers, in this file.
func CheckNumber(check string) int { return evCheckNumbers[check] }

// ClauseTitle returns the title of a clause as a check cites it (the
// summary's Title), or "" for a clause the table does not hold.
func ClauseTitle(clause string) string { return evClauseTitles[clause] }

// noOverdueClause is the clause of check 15, as section 17 lists them.
const noOverdueClause = "8.2.6, 8.3.x, 8.5.1.3, 8.6.3, 8.7.x, 9.2, 9.4, 10.2"

// evClauseTitles are the titles of the clauses of ISO/IEC 20000-1:2018 the
// library's checks cite, keyed by the clause as a check cites it (some
// cite several at once); the summary's Title is looked up here.
var evClauseTitles = map[string]string{
	"7.5.4":           "Control of documented information",
	"8.2.6":           "Configuration management",
	"8.3.3":           "Service level management",
	"8.3.4":           "Supplier management",
	"8.3.4.1":         "Management of external suppliers",
	"8.3.4.2":         "Management of internal suppliers and customers acting as suppliers",
	"8.5.1":           "Change management",
	"8.5.1.1":         "Change management policy",
	"8.5.1.1-8.5.1.3": "Change management policy, initiation and activities",
	"8.5.1.2, 8.5.2":  "Change management initiation; service design and transition",
	"8.5.1.3, 8.2.6":  "Change management activities; configuration management",
	"8.5.1/8.6.2":     "Change management; service request management",
	"8.5.2":           "Service design and transition",
	"8.5.3":           "Release and deployment management",
	"8.6.1":           "Incident management",
	"8.6.2":           "Service request management",
	"8.6.3":           "Problem management",
	"8.7.1":           "Service availability management",
	"8.7.2":           "Service continuity management",
	"8.7.3.3":         "Information security incidents",
	"9.2":             "Internal audit",
	"9.2.1":           "Internal audit",
	"9.2.2":           "Internal audit programme",
	"10.1":            "Nonconformity and corrective action",
	"10.2":            "Continual improvement",
	"-":               "Reviews (each evidences the clause its schedule's requirement names)",
	noOverdueClause:   "Periodic obligations across the service management system",
}

// evReader reads a record's status and journal for the drill-down.
type evReader struct {
	process string
	read    func(ctx context.Context, id string) (string, []sms.Entry, error)
}

// evRecordsView is what every process's records view offers the drill-down.
type evRecordsView[E sms.Entity[E]] interface {
	Get(ctx context.Context, id string) (E, error)
	Journal(ctx context.Context, id string) ([]sms.Entry, error)
}

func evReaderOf[E sms.Entity[E]](process string, r evRecordsView[E]) evReader {
	return evReader{process: process, read: func(ctx context.Context, id string) (string, []sms.Entry, error) {
		j, err := r.Journal(ctx, id)
		if err != nil {
			return "", nil, err
		}
		status := ""
		if e, err := r.Get(ctx, id); err == nil {
			status = e.State()
		} else if !errors.Is(err, sms.ErrCorrupt) {
			return "", nil, err
		}
		if status == "" && len(j) > 0 {
			status = j[len(j)-1].To // a record that does not decode: as its journal left it
		}
		return status, j, nil
	}}
}

// evWorkflow is what a diagram needs of a compiled workflow.
type evWorkflow interface {
	Kind() sms.Kind
	Mermaid() string
}

// evProcess is one process as Build examines it.
type evProcess struct {
	name    string
	kind    sms.Kind // the principal kind, named in an Error when the store's error names none
	conform []func(context.Context) (sms.Report, error)
	sweep   []func(context.Context) ([]sms.Finding, error)
	// both, when set, stands for a conform and a sweep run in one pass
	// over the store (a high-volume process's ConformSweep).
	both     func(context.Context) (sms.Report, []sms.Finding, error)
	readers  map[sms.Kind]evReader
	diagrams []evWorkflow
}

func (p *evProcess) read(kind sms.Kind, r evReader) {
	if p.readers == nil {
		p.readers = map[sms.Kind]evReader{}
	}
	p.readers[kind] = r
}

// evProcesses lists the processes src holds, in a fixed order.
func evProcesses(src Sources, o *Options, asOf time.Time) ([]*evProcess, error) {
	var out []*evProcess
	add := func(p *evProcess) { out = append(out, p) }
	pair := func(what string, a, b bool) error {
		if a != b {
			return sms.Invalid("evidence", "sources", "%s come together: give both or neither", what)
		}
		return nil
	}
	for _, err := range []error{
		pair("Suppliers and Contracts", src.Suppliers != nil, src.Contracts != nil),
		pair("AvailabilityPlans and Outages", src.AvailabilityPlans != nil, src.Outages != nil),
		pair("AuditProgrammes and Audits", src.AuditProgrammes != nil, src.Audits != nil),
		pair("ContinuityRequirements and ContinuityPlans", src.ContinuityRequirements != nil, src.ContinuityPlans != nil),
		pair("ContinuityPlans and ContinuityTests", src.ContinuityPlans != nil, src.ContinuityTests != nil),
	} {
		if err != nil {
			return nil, err
		}
	}
	if src.Invocations != nil && src.ContinuityRequirements == nil {
		return nil, sms.Invalid("evidence", "sources", "Invocations are examined with the continuity requirements, plans and tests")
	}
	if s := src.Incidents; s != nil {
		p := &evProcess{name: ProcessIncident, kind: incident.Kind,
			both:     func(ctx context.Context) (sms.Report, []sms.Finding, error) { return s.ConformSweep(ctx, asOf) },
			diagrams: []evWorkflow{s.Workflow()}}
		p.read(incident.Kind, evReaderOf[*incident.Incident](p.name, s))
		add(p)
	}
	if s := src.Requests; s != nil {
		p := &evProcess{name: ProcessRequest, kind: request.Kind,
			both:     func(ctx context.Context) (sms.Report, []sms.Finding, error) { return s.ConformSweep(ctx, asOf) },
			diagrams: []evWorkflow{s.Workflow(), s.Items().Workflow()}}
		p.read(request.Kind, evReaderOf[*request.Request](p.name, s))
		p.read(request.ItemKind, evReaderOf[*request.Item](p.name, s.Items()))
		add(p)
	}
	if s := src.Problems; s != nil {
		p := &evProcess{name: ProcessProblem, kind: problem.Kind,
			conform:  []func(context.Context) (sms.Report, error){func(ctx context.Context) (sms.Report, error) { return s.Conform(ctx, asOf) }},
			sweep:    []func(context.Context) ([]sms.Finding, error){func(ctx context.Context) ([]sms.Finding, error) { return s.Sweep(ctx, asOf) }},
			diagrams: []evWorkflow{s.Workflow(), s.KnownErrors().Workflow()}}
		p.read(problem.Kind, evReaderOf[*problem.Problem](p.name, s))
		p.read(problem.KnownErrorKind, evReaderOf[*problem.KnownError](p.name, s.KnownErrors()))
		add(p)
	}
	if s := src.Changes; s != nil {
		p := &evProcess{name: ProcessChange, kind: change.Kind,
			conform:  []func(context.Context) (sms.Report, error){func(ctx context.Context) (sms.Report, error) { return s.Conform(ctx, asOf) }},
			sweep:    []func(context.Context) ([]sms.Finding, error){func(ctx context.Context) ([]sms.Finding, error) { return s.Sweep(ctx, asOf) }},
			diagrams: []evWorkflow{s.Workflow(), s.Plans().Workflow(), s.Templates().Workflow()}}
		p.read(change.Kind, evReaderOf[*change.Change](p.name, s))
		p.read(change.PlanKind, evReaderOf[*change.TransitionPlan](p.name, s.Plans()))
		p.read(change.TemplateKind, evReaderOf[*change.Template](p.name, s.Templates()))
		add(p)
	}
	if s := src.Releases; s != nil {
		p := &evProcess{name: ProcessRelease, kind: release.Kind,
			conform:  []func(context.Context) (sms.Report, error){func(ctx context.Context) (sms.Report, error) { return s.Conform(ctx, asOf) }},
			sweep:    []func(context.Context) ([]sms.Finding, error){func(ctx context.Context) ([]sms.Finding, error) { return s.Sweep(ctx, asOf) }},
			diagrams: []evWorkflow{s.Workflow()}}
		p.read(release.Kind, evReaderOf[*release.Release](p.name, s))
		add(p)
	}
	if s := src.Reviews; s != nil {
		p := &evProcess{name: ProcessReview, kind: review.Kind,
			conform: []func(context.Context) (sms.Report, error){func(ctx context.Context) (sms.Report, error) { return s.Conform(ctx, asOf) }},
			sweep:   []func(context.Context) ([]sms.Finding, error){func(ctx context.Context) ([]sms.Finding, error) { return s.Sweep(ctx, asOf) }}}
		if sc := s.Schedules(); len(sc) > 0 {
			if wf, ok := s.Workflow(sc[0].Subject, sc[0].Scope); ok {
				p.diagrams = append(p.diagrams, wf)
			}
		}
		p.read(review.Kind, evReaderOf[*review.Review](p.name, s))
		add(p)
	}
	if s := src.Agreements; s != nil {
		p := &evProcess{name: ProcessServiceLevel, kind: servicelevel.AgreementKind,
			conform: []func(context.Context) (sms.Report, error){func(ctx context.Context) (sms.Report, error) {
				return s.Conform(ctx, o.LiveServices, o.SLA, asOf)
			}},
			sweep: []func(context.Context) ([]sms.Finding, error){func(ctx context.Context) ([]sms.Finding, error) {
				return s.Sweep(ctx, o.LiveServices, o.SLA, asOf)
			}},
			diagrams: []evWorkflow{s.Workflow()}}
		p.read(servicelevel.AgreementKind, evReaderOf[*servicelevel.Agreement](p.name, s))
		add(p)
	}
	if pl, ou := src.AvailabilityPlans, src.Outages; pl != nil {
		p := &evProcess{name: ProcessAvailability, kind: servicelevel.PlanKind,
			conform: []func(context.Context) (sms.Report, error){func(ctx context.Context) (sms.Report, error) {
				return servicelevel.ConformAvailability(ctx, pl, ou, o.Availability, asOf)
			}},
			sweep: []func(context.Context) ([]sms.Finding, error){
				func(ctx context.Context) ([]sms.Finding, error) { return pl.Sweep(ctx, o.Availability, asOf) },
				func(ctx context.Context) ([]sms.Finding, error) { return ou.Sweep(ctx, o.Availability, asOf) },
			},
			diagrams: []evWorkflow{pl.Workflow(), ou.Workflow()}}
		p.read(servicelevel.PlanKind, evReaderOf[*servicelevel.AvailabilityPlan](p.name, pl))
		p.read(servicelevel.OutageKindOfRecord, evReaderOf[*servicelevel.OutageRecord](p.name, ou))
		add(p)
	}
	if su, co, di := src.Suppliers, src.Contracts, src.Disputes; su != nil || di != nil {
		p := &evProcess{name: ProcessSupplier, kind: supplier.SupplierKind}
		if su != nil {
			p.conform = append(p.conform, func(ctx context.Context) (sms.Report, error) {
				return supplier.Conform(ctx, su, co, di, o.Supplier, asOf)
			})
			p.sweep = append(p.sweep, func(ctx context.Context) ([]sms.Finding, error) {
				return supplier.Sweep(ctx, su, co, o.ReferencedSuppliers, o.Supplier, asOf)
			})
			p.diagrams = append(p.diagrams, su.Workflow(), co.Workflow())
			p.read(supplier.SupplierKind, evReaderOf[*supplier.Supplier](p.name, su))
			p.read(supplier.ContractKind, evReaderOf[*supplier.Contract](p.name, co))
		} else {
			p.kind = supplier.DisputeKind
			p.conform = append(p.conform, func(ctx context.Context) (sms.Report, error) { return di.Conform(ctx, o.Supplier.Disputes, asOf) })
		}
		if di != nil {
			p.sweep = append(p.sweep, func(ctx context.Context) ([]sms.Finding, error) { return di.Sweep(ctx, o.Supplier.Disputes, asOf) })
			p.diagrams = append(p.diagrams, di.Workflow())
			p.read(supplier.DisputeKind, evReaderOf[*supplier.Dispute](p.name, di))
		}
		add(p)
	}
	if rq, pl, te, inv, ri := src.ContinuityRequirements, src.ContinuityPlans, src.ContinuityTests, src.Invocations, src.ContinuityRisks; rq != nil || ri != nil {
		p := &evProcess{name: ProcessContinuity, kind: continuity.PlanKind}
		if rq != nil {
			p.conform = append(p.conform, func(ctx context.Context) (sms.Report, error) {
				return continuity.Conform(ctx, rq, pl, te, inv, o.Continuity, asOf)
			})
			p.sweep = append(p.sweep, func(ctx context.Context) ([]sms.Finding, error) { return pl.Sweep(ctx, o.ContinuityServices, asOf) })
			p.diagrams = append(p.diagrams, rq.Workflow(), pl.Workflow(), te.Workflow())
			p.read(continuity.RequirementKind, evReaderOf[*continuity.Requirement](p.name, rq))
			p.read(continuity.PlanKind, evReaderOf[*continuity.Plan](p.name, pl))
			p.read(continuity.TestKind, evReaderOf[*continuity.Test](p.name, te))
		}
		if inv != nil {
			p.diagrams = append(p.diagrams, inv.Workflow())
			p.read(continuity.InvocationKind, evReaderOf[*continuity.Invocation](p.name, inv))
		}
		if ri != nil {
			if rq == nil {
				p.kind = continuity.RiskKind
			}
			every := o.RiskEvery
			if every == (sms.Cadence{}) {
				every = sms.Yearly("UTC")
			}
			p.sweep = append(p.sweep, func(ctx context.Context) ([]sms.Finding, error) { return ri.Sweep(ctx, every, o.RiskGrace, asOf) })
			p.diagrams = append(p.diagrams, ri.Workflow())
			p.read(continuity.RiskKind, evReaderOf[*continuity.RiskAssessment](p.name, ri))
		}
		add(p)
	}
	if pr, au := src.AuditProgrammes, src.Audits; pr != nil {
		p := &evProcess{name: ProcessAudit, kind: audit.AuditKind,
			conform: []func(context.Context) (sms.Report, error){func(ctx context.Context) (sms.Report, error) {
				return audit.Conform(ctx, pr, au, o.Audit, asOf)
			}},
			sweep: []func(context.Context) ([]sms.Finding, error){func(ctx context.Context) ([]sms.Finding, error) {
				return audit.Sweep(ctx, pr, au, asOf, o.Audit.Grace)
			}},
			diagrams: []evWorkflow{pr.Workflow(), au.Workflow()}}
		p.read(audit.ProgrammeKind, evReaderOf[*audit.Programme](p.name, pr))
		p.read(audit.AuditKind, evReaderOf[*audit.Audit](p.name, au))
		add(p)
	}
	if s := src.Nonconformities; s != nil {
		p := &evProcess{name: ProcessNonconformity, kind: audit.NonconformityKind,
			conform:  []func(context.Context) (sms.Report, error){func(ctx context.Context) (sms.Report, error) { return audit.ConformNonconformities(ctx, s, asOf) }},
			sweep:    []func(context.Context) ([]sms.Finding, error){func(ctx context.Context) ([]sms.Finding, error) { return s.Sweep(ctx, asOf) }},
			diagrams: []evWorkflow{s.Workflow()}}
		p.read(audit.NonconformityKind, evReaderOf[*audit.Nonconformity](p.name, s))
		add(p)
	}
	if s := src.Opportunities; s != nil {
		p := &evProcess{name: ProcessImprovement, kind: audit.OpportunityKind,
			sweep:    []func(context.Context) ([]sms.Finding, error){func(ctx context.Context) ([]sms.Finding, error) { return s.Sweep(ctx, asOf) }},
			diagrams: []evWorkflow{s.Workflow()}}
		p.read(audit.OpportunityKind, evReaderOf[*audit.Opportunity](p.name, s))
		add(p)
	}
	if err := pair("report definitions and instances", src.ReportDefinitions != nil, src.ReportInstances != nil); err != nil {
		return nil, err
	}
	if defs, ins := src.ReportDefinitions, src.ReportInstances; defs != nil {
		p := &evProcess{name: ProcessReporting, kind: report.InstanceKind,
			sweep:    []func(context.Context) ([]sms.Finding, error){func(ctx context.Context) ([]sms.Finding, error) { return report.Sweep(ctx, defs, ins, asOf) }},
			diagrams: []evWorkflow{defs.Workflow(), ins.Workflow()}}
		p.read(report.DefinitionKind, evReaderOf[*report.Definition](p.name, defs))
		p.read(report.InstanceKind, evReaderOf[*report.Instance](p.name, ins))
		add(p)
	}
	return out, nil
}

// evTrends returns the trends of the instances issued for periods ending
// within the pack's period: one per instance and metric, oldest point
// first, the instance's own period last.
func evTrends(ctx context.Context, defs *report.Definitions, ins *report.Instances, p Period) ([]Trend, error) {
	issued, err := ins.Issued(ctx, p)
	if err != nil {
		return nil, &Error{Process: ProcessReporting, Kind: report.InstanceKind, Err: err}
	}
	named := map[string]*report.Definition{}
	var out []Trend
	for _, x := range issued {
		d, ok := named[x.Definition]
		if !ok {
			d, err = defs.Get(ctx, x.Definition)
			switch {
			case errors.Is(err, sms.ErrNotFound), errors.Is(err, sms.ErrCorrupt):
				d = nil // the trend keeps its figures, without a title
			case err != nil:
				return nil, &Error{Process: ProcessReporting, Kind: report.DefinitionKind, Err: err}
			}
			named[x.Definition] = d
		}
		for _, ts := range x.Trends {
			t := Trend{Report: x.ID, Definition: x.Definition, Metric: ts.Metric, Points: []Point{}}
			if d != nil {
				t.Title = d.Name
				for _, m := range d.Metrics {
					if m.Name == ts.Metric {
						t.Unit = m.Unit
					}
				}
			}
			for _, pt := range ts.Points {
				t.Points = append(t.Points, Point{Period: pt.Period, Value: pt.Value, Undefined: pt.Undefined})
			}
			out = append(out, t)
		}
	}
	return out, nil
}

// evKindOf returns the kind a store's error names: that of a sqlstore
// *Error, or the "kind" parameter of the kernel's refusal in its chain
// (a *CorruptError, a *NotFoundError, ...); "" when neither names one.
func evKindOf(err error) sms.Kind {
	if se, ok := errors.AsType[*sqlstore.Error](err); ok && se.Kind != "" {
		return se.Kind
	}
	if r, ok := sms.RefusalOf(err); ok {
		return sms.Kind(r.MessageParams()["kind"])
	}
	return ""
}

func (p *evProcess) fail(err error) error {
	k := evKindOf(err)
	if k == "" {
		k = p.kind
	}
	return &Error{Process: p.name, Kind: k, Err: err}
}

type evKey struct {
	kind sms.Kind
	id   string
}

// evOverdue reports whether a sweep finding's code is one check 15 counts.
func evOverdue(code string) bool {
	return strings.HasSuffix(code, "_OVERDUE") || strings.HasSuffix(code, "_MISSING")
}

// Build assembles the evidence pack of the period p from the processes
// src holds: as of p.To, every process's conformance checks and sweeps,
// read from the stores page by page (no store is loaded whole).
//
//   - Checks: every conformance check's result but record verification,
//     with its process and its number in the auditor suite
//     ([CheckNumber]), then check 15 ([CheckNoOverdue]), whose failures
//     are the sweeps' *_OVERDUE and *_MISSING findings and whose
//     population is the records verified of the processes swept.
//   - Sweeps: per process that has a sweep, its open findings, but
//     RECORD_UNVERIFIED ones.
//   - Verification: the record-verification populations summed, and every
//     record that does not verify (from the checks or the sweeps), once;
//     with [Options.Checkpoint], what the signed checkpoint found, each
//     journal that no longer holds what it covered a CHECKPOINT_PROBLEM.
//   - Summary: one row per clause the checks cite, sorted by clause.
//   - Records: every stored record named by a failure, a sweep finding or
//     an unverified finding, once, in that order, with its status and
//     journal, up to [Options.MaxRecords]; a finding about what is not a
//     stored record (a service without an SLA or a plan) has none. When
//     records were left out, RecordsLeftOut says how many.
//   - Diagrams: the lifecycle of every kind of record examined.
//
// A period without a start or an end, or that does not end after it
// starts, is a [*sms.ValidationError]; so are sources given in part (see
// [Sources]). A store that fails, or the context ending, stops the build
// with an [*Error] naming the process and the kind.
func Build(ctx context.Context, src Sources, p Period, o Options) (*Pack, error) {
	if p.From.IsZero() || p.To.IsZero() {
		return nil, sms.Invalid("evidence", "period", "needs a start and an end")
	}
	if !p.To.After(p.From) {
		return nil, sms.Invalid("evidence", "period", "ends at %s, not after it starts at %s", p.To.Format(time.RFC3339), p.From.Format(time.RFC3339))
	}
	if o.MaxRecords < 0 {
		return nil, sms.Invalid("evidence", "options.max_records", "%d is negative", o.MaxRecords)
	}
	if o.MaxRecords == 0 {
		o.MaxRecords = DefaultMaxRecords
	}
	p = Period{From: p.From.UTC(), To: p.To.UTC()}
	asOf := p.To
	procs, err := evProcesses(src, &o, asOf)
	if err != nil {
		return nil, err
	}
	pack := &Pack{Version: Version, Period: p, AsOf: asOf, Summary: []ClauseSummary{}, Checks: []Check{}, Sweeps: []Sweep{},
		Verification: Verification{Unverified: []sms.Finding{}}, Records: []Record{}, Diagrams: []Diagram{}}
	unverified := map[evKey]bool{}
	addUnverified := func(f sms.Finding) {
		k := evKey{f.Kind, f.EntityID}
		if !unverified[k] {
			unverified[k] = true
			pack.Verification.Unverified = append(pack.Verification.Unverified, f)
		}
	}
	if o.Checkpoint != nil {
		// Not deduplicated with the records' own verification: a journal
		// that no longer matches the checkpoint is a finding of its own.
		add := func(f sms.Finding) { pack.Verification.Unverified = append(pack.Verification.Unverified, f) }
		if err := evCheckpoint(ctx, o.Checkpoint, &pack.Verification, add, asOf); err != nil {
			return nil, err
		}
	}
	overdue := evCheck15(asOf)
	readers := map[sms.Kind]evReader{}
	for _, pr := range procs {
		if err := ctx.Err(); err != nil {
			return nil, pr.fail(err)
		}
		var (
			reps     []sms.Report
			found    [][]sms.Finding
			verified int
		)
		if pr.both != nil {
			rep, fs, err := pr.both(ctx)
			if err != nil {
				return nil, pr.fail(err)
			}
			reps, found = append(reps, rep), append(found, fs)
		}
		for _, conform := range pr.conform {
			rep, err := conform(ctx)
			if err != nil {
				return nil, pr.fail(err)
			}
			reps = append(reps, rep)
		}
		for _, sweep := range pr.sweep {
			fs, err := sweep(ctx)
			if err != nil {
				return nil, pr.fail(err)
			}
			found = append(found, fs)
		}
		for _, rep := range reps {
			for _, res := range rep.Results {
				if res.Failures == nil {
					res.Failures = []sms.Finding{}
				}
				if res.Check == sms.CheckRecordVerification {
					verified += res.Population
					for _, f := range res.Failures {
						addUnverified(f)
					}
					continue
				}
				pack.Checks = append(pack.Checks, Check{Process: pr.name, Number: evCheckNumbers[res.Check], Result: res})
			}
		}
		pack.Verification.Records += verified
		if len(found) > 0 {
			sw := Sweep{Process: pr.name, Findings: []sms.Finding{}}
			for _, fs := range found {
				for _, f := range fs {
					switch {
					case f.Code == sms.CodeRecordUnverified:
						addUnverified(f)
						continue
					case evOverdue(f.Code):
						overdue.Failures = append(overdue.Failures, f)
					}
					sw.Findings = append(sw.Findings, f)
				}
			}
			overdue.Population += verified
			pack.Sweeps = append(pack.Sweeps, sw)
		}
		for _, wf := range pr.diagrams {
			pack.Diagrams = append(pack.Diagrams, Diagram{Process: pr.name, Kind: wf.Kind(), Mermaid: wf.Mermaid()})
		}
		for k, r := range pr.readers {
			readers[k] = r
		}
	}
	if len(pack.Sweeps) > 0 {
		pack.Checks = append(pack.Checks, Check{Process: ProcessSweeps, Number: 15, Result: overdue})
	}
	pack.Summary = evSummary(pack.Checks)
	if src.ReportInstances != nil {
		tr, err := evTrends(ctx, src.ReportDefinitions, src.ReportInstances, p)
		if err != nil {
			return nil, err
		}
		pack.Trends = tr
	}
	left, _, err := evRecords(ctx, pack, readers, o.MaxRecords)
	if err != nil {
		return nil, err
	}
	pack.RecordsLeftOut = left
	return pack, nil
}

// evCheck15 returns the empty result of check 15 of the auditor suite as
// of asOf, for [Build] to fill with the sweeps' overdue and missing
// findings.
func evCheck15(asOf time.Time) sms.CheckResult {
	return sms.CheckResult{Check: CheckNoOverdue, Clause: noOverdueClause, Failures: []sms.Finding{},
		Rule: "running every sweep as of " + asOf.UTC().Format(time.RFC3339) + " yields no unresolved *_OVERDUE or *_MISSING finding " +
			"(each sweep applies its obligation's grace)"}
}

// evRecords fills the pack's drill-down: each record the failures and
// findings name, once, with its journal, up to max. It returns how many
// records it left out and how many were named, of kinds that are stored.
func evRecords(ctx context.Context, pack *Pack, readers map[sms.Kind]evReader, max int) (left, total int, err error) {
	seen := map[evKey]bool{}
	visit := func(f sms.Finding) error {
		k := evKey{f.Kind, f.EntityID}
		r, ok := readers[f.Kind]
		if seen[k] || !ok {
			return nil // named already, or not a stored record (a service)
		}
		seen[k] = true
		total++
		if len(pack.Records) >= max {
			left++
			return nil
		}
		status, j, err := r.read(ctx, f.EntityID)
		switch {
		case errors.Is(err, sms.ErrNotFound), errors.Is(err, sms.ErrInvalid):
			total-- // no such record: a finding about a service, under a record kind
			return nil
		case err != nil:
			return &Error{Process: r.process, Kind: cmp.Or(evKindOf(err), f.Kind), Err: err}
		}
		rec := Record{Kind: f.Kind, ID: f.EntityID, Status: status, Journal: make([]JournalLine, len(j))}
		for i, en := range j {
			rec.Journal[i] = JournalLine{Seq: en.Seq, At: en.At.UTC(), Trigger: en.Trigger, From: en.From, To: en.To, Actor: en.Actor.ID, Reason: en.Reason}
		}
		pack.Records = append(pack.Records, rec)
		return nil
	}
	for _, c := range pack.Checks {
		for _, f := range c.Result.Failures {
			if err := visit(f); err != nil {
				return 0, 0, err
			}
		}
	}
	for _, s := range pack.Sweeps {
		for _, f := range s.Findings {
			if err := visit(f); err != nil {
				return 0, 0, err
			}
		}
	}
	for _, f := range pack.Verification.Unverified {
		if err := visit(f); err != nil {
			return 0, 0, err
		}
	}
	return left, total, nil
}

// evSummary returns one row per clause the checks cite, sorted by clause.
func evSummary(checks []Check) []ClauseSummary {
	rows := map[string]*ClauseSummary{}
	for _, c := range checks {
		cl := c.Result.Clause
		r := rows[cl]
		if r == nil {
			r = &ClauseSummary{Clause: cl, Title: evClauseTitles[cl]}
			rows[cl] = r
		}
		r.Checks++
		if c.Result.Passed() {
			r.Passed++
		} else {
			r.Failed++
		}
		r.Examined += c.Result.Population
	}
	out := make([]ClauseSummary, 0, len(rows))
	for _, r := range rows {
		out = append(out, *r)
	}
	slices.SortFunc(out, func(a, b ClauseSummary) int { return evCompareClauses(a.Clause, b.Clause) })
	return out
}

// evCompareClauses orders clause references as the standard numbers them:
// by their leading dotted numbers ("8.5.1.3" after "8.5.1", "10.1" after
// "9.4"), then as text; a reference without a number ("-") sorts last.
func evCompareClauses(a, b string) int {
	na, nb := evClauseNumber(a), evClauseNumber(b)
	switch {
	case len(na) == 0 && len(nb) > 0:
		return 1
	case len(nb) == 0 && len(na) > 0:
		return -1
	}
	if c := slices.Compare(na, nb); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func evClauseNumber(s string) []int {
	end := strings.IndexFunc(s, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
	if end < 0 {
		end = len(s)
	}
	var out []int
	for _, part := range strings.Split(strings.Trim(s[:end], "."), ".") {
		n, err := strconv.Atoi(part)
		if err != nil {
			break
		}
		out = append(out, n)
	}
	return out
}

// WriteJSON writes the pack's JSON form ([Version]): indented, its fields
// in the order of the structs, HTML characters unescaped.
func (p *Pack) WriteJSON(w io.Writer) error {
	if p == nil {
		return sms.Invalid("evidence", "pack", "is nil")
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// WriteFile writes a report file at path with write: into a temporary
// file in the same directory, synced and then renamed into place, so that
// path holds either what it held before or the whole new report, never
// half of one. On any error the temporary file is removed and path left
// as it was.
func WriteFile(path string, write func(io.Writer) error) (err error) {
	if path == "" || write == nil {
		return sms.Invalid("evidence", "path", "needs a path and a writer")
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
