package release_test

import (
	"context"
	"testing"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/smstest"
)

// The budget (see BENCHMARKS.md): BenchmarkReleaseTransition at most 6x
// BenchmarkFloor, the same ratio as incident's transition.

// BenchmarkFloor is the floor of a transition: a map lookup, a UUID v7, a
// record appended, the clock read.
func BenchmarkFloor(b *testing.B) {
	smstest.Floor(b, &release.Release{Meta: sms.Meta{ID: "REL-1"}, Status: release.StatusEarlyLife}, "record_incident")
}

// deployed takes a release through acceptance, approval, baseline and
// deployment into early life, on the system clock: the entity carries its
// plan, results, approvals, baseline and deployment.
func deployed(b *testing.B, svc *release.Service) *release.Release {
	ctx := context.Background()
	now := time.Now()
	p := planning()
	p.Windows = []release.Window{{Start: now.Add(-time.Hour), End: now.Add(time.Hour)}}
	r, err := svc.Plan(ctx, manager, p)
	steps := []func() (*release.Release, error){
		func() (*release.Release, error) { return svc.StartBuild(ctx, manager, r.ID, release.BuildStart{}) },
		func() (*release.Release, error) {
			return svc.SubmitForTest(ctx, manager, r.ID, release.TestSubmission{})
		},
		func() (*release.Release, error) {
			return svc.PassAcceptance(ctx, tester, r.ID, release.AcceptancePassed{Results: results(true)})
		},
		func() (*release.Release, error) {
			return svc.Approve(ctx, approver1, r.ID, release.Approval{Rationale: "ok"})
		},
		func() (*release.Release, error) { return svc.Authorize(ctx, manager, r.ID, release.Authorization{}) },
		func() (*release.Release, error) {
			return svc.CaptureBaseline(ctx, deployer, r.ID, release.BaselineCapture{ID: "BL-1",
				Items: []release.ItemVersion{{Item: "app-1", Version: "4.9"}, {Item: "db-1", Version: "41"}}})
		},
		func() (*release.Release, error) {
			return svc.Deploy(ctx, deployer, r.ID, release.DeployStart{Deployer: "dev"})
		},
		func() (*release.Release, error) {
			return svc.CompleteDeployment(ctx, deployer, r.ID, release.DeploymentResult{
				Targets: []release.TargetResult{{Target: "site-a", OK: true}, {Target: "site-b", OK: true}}, Verification: "green"})
		},
	}
	for _, s := range steps {
		if err != nil {
			break
		}
		r, err = s()
	}
	if err != nil {
		b.Fatal(err)
	}
	return r
}

// The two in-place transitions the benchmark alternates on a release in
// early life, boxed once as a host routing commands would hold them. The
// incident is counted once; recording it again is journaled, nothing grows.
var (
	benchIncident release.Command = release.IncidentRecord{Incident: "INC-1"}
	benchNote     release.Command = release.Note{Text: "vendor on call"}
)

// BenchmarkReleaseTransition is one full pipeline transition on memstore on
// a release in early life that carries its plan, acceptance results,
// approvals, baseline and deployment. Each release takes 8 transitions, so
// journals stay short.
func BenchmarkReleaseTransition(b *testing.B) {
	st := memstore.New[*release.Release]()
	svc, err := release.NewService(st, release.Config{Changes: &changes{auth: map[string]bool{"CHG-1": true}}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	proto := deployed(b, svc)
	journal, err := svc.Journal(ctx, proto.ID)
	if err != nil {
		b.Fatal(err)
	}
	ids, err := smstest.Copies(ctx, st, proto, journal, b.N/8+1)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := benchIncident
		if i%2 == 1 {
			c = benchNote
		}
		if _, err := svc.Do(ctx, deployer, ids[i/8], c); err != nil {
			b.Fatal(err)
		}
	}
}
