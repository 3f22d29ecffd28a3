package incident_test

import (
	"context"
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/smstest"
)

// kitInstance is the incident fixture as the process kit sees it.
type kitInstance struct{ *fixture }

func (k kitInstance) At(t testing.TB, status, trigger string) string {
	tr := incident.Trigger(trigger)
	major := incident.MajorNone
	if _, allowed := oracle[incident.Status(status)][tr]; allowed {
		major = majorStateFor(tr)
	}
	return k.to(t, incident.Status(status), major).ID
}

func (k kitInstance) Fire(ctx context.Context, id, trigger string) (*incident.Incident, error) {
	c := validCommand(incident.Trigger(trigger))
	return k.svc.Do(ctx, actingFor(c), id, c)
}

func (k kitInstance) Get(ctx context.Context, id string) (*incident.Incident, error) {
	return k.svc.Get(ctx, id)
}
func (k kitInstance) Journal(ctx context.Context, id string) ([]sms.Entry, error) {
	return k.svc.Journal(ctx, id)
}
func (k kitInstance) Verify(ctx context.Context, id string) error { return k.svc.Verify(ctx, id) }

func kitProcess() smstest.Process[*incident.Incident] {
	o := map[string]map[string]string{}
	for s, m := range oracle {
		o[string(s)] = map[string]string{}
		for tr, to := range m {
			o[string(s)][string(tr)] = to
		}
	}
	var triggers []string
	for _, tr := range incident.Triggers()[1:] {
		triggers = append(triggers, string(tr))
	}
	return smstest.Process[*incident.Incident]{
		Workflow: incident.Workflow(),
		Oracle:   o,
		Triggers: triggers,
		Cites:    []string{"INC-15"}, // the sweep of breached timers
		Golden:   "testdata/lifecycle.mmd",
		Doc:      "doc.go",
		Update:   *update,
		New: func(t testing.TB) smstest.Instance[*incident.Incident] {
			return kitInstance{newFixture(t, incident.DefaultPolicy())}
		},
	}
}

func TestProcessKit(t *testing.T) {
	smstest.RunProcess(t, kitProcess())
}
