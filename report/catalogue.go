package report

import (
	"context"
	"fmt"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/supplier"
)

// CatalogueStores are the stores the default catalogue reads; a nil store
// leaves its reports out.
type CatalogueStores struct {
	Incidents       sms.Store[*incident.Incident]
	Requests        sms.Store[*request.Request]
	Problems        sms.Store[*problem.Problem]
	Changes         sms.Store[*change.Change]
	Releases        sms.Store[*release.Release]
	Agreements      sms.Store[*servicelevel.Agreement]
	Outages         sms.Store[*servicelevel.OutageRecord]
	Contracts       sms.Store[*supplier.Contract]
	ContinuityTests sms.Store[*continuity.Test]
	Audits          sms.Store[*audit.Audit]
	Nonconformities sms.Store[*audit.Nonconformity]
	Opportunities   sms.Store[*audit.Opportunity]
}

// Catalogue returns the default catalogue of RPT-06 over the stores
// given, by generator name, as [NewInstances] takes it: incident volumes,
// major incidents and security incidents (8.6.1), request volumes (8.6.2),
// problem effectiveness (8.6.3), change trends (8.5.1.3), release outcomes
// (8.5.3), SLA performance and workload (8.3.3), availability (8.7.1),
// supplier performance (8.3.4), continuity tests (8.7.2), audit results
// (9.2), nonconformity and improvement status (10.1, 10.2).
func Catalogue(s CatalogueStores) map[string]Generator {
	out := map[string]Generator{}
	add := func(ok bool, gs ...func() Generator) {
		if ok {
			for _, g := range gs {
				gen := g()
				out[gen.Name()] = gen
			}
		}
	}
	add(s.Incidents != nil, func() Generator { return IncidentVolumes(s.Incidents) },
		func() Generator { return MajorIncidents(s.Incidents) }, func() Generator { return SecurityIncidents(s.Incidents) })
	add(s.Requests != nil, func() Generator { return RequestVolumes(s.Requests) })
	add(s.Problems != nil, func() Generator { return ProblemEffectiveness(s.Problems) })
	add(s.Changes != nil, func() Generator { return ChangeTrends(s.Changes) })
	add(s.Releases != nil, func() Generator { return ReleaseOutcomes(s.Releases) })
	add(s.Agreements != nil, func() Generator { return SLAPerformance(s.Agreements) })
	add(s.Outages != nil, func() Generator { return AvailabilityAgainstTarget(s.Outages) })
	add(s.Contracts != nil, func() Generator { return SupplierPerformance(s.Contracts) })
	add(s.ContinuityTests != nil, func() Generator { return ContinuityTests(s.ContinuityTests) })
	add(s.Audits != nil, func() Generator { return AuditResults(s.Audits) })
	add(s.Nonconformities != nil, func() Generator { return NonconformityStatus(s.Nonconformities) })
	add(s.Opportunities != nil, func() Generator { return ImprovementStatus(s.Opportunities) })
	return out
}

// compute is one computation of the generator name over store, shared by
// the catalogue's generators: a period that does not end after it starts,
// a zero cut-off and no store (nil, or an interface holding a nil pointer)
// are refused with a [*sms.ValidationError]; start, called once the
// arguments are checked, returns the per-record tally and the function
// giving the figures in the order of metrics; the records are read as of
// cutoff ([EachJournal]) into the digest.
func compute[E sms.Entity[E]](ctx context.Context, name string, metrics []Metric, store sms.Store[E], p Period, cutoff time.Time,
	start func() (add func(E, []sms.Entry) error, figures func() []Figure)) (Computation, error) {
	if err := p.Check(InstanceKind); err != nil {
		return Computation{}, err
	}
	if cutoff.IsZero() {
		return Computation{}, sms.Invalid(InstanceKind, "cutoff", "a computation needs its data cut-off")
	}
	if sms.IsNil(store) {
		return Computation{}, sms.Invalid(InstanceKind, "data_sources", "generator %s has no %s store", name, (*new(E)).EntityKind())
	}
	add, figures := start()
	d := NewDigest()
	if err := EachJournal(ctx, store, cutoff, d, add); err != nil {
		return Computation{}, fmt.Errorf("report: generator %s: %w", name, err)
	}
	figs := figures()
	if len(figs) != len(metrics) { // a programming error of the generator
		return Computation{}, fmt.Errorf("report: generator %s computed %d figures for %d metrics", name, len(figs), len(metrics))
	}
	return Computation{Figures: figs, Records: d.Records(), Digest: d.Sum()}, nil
}
