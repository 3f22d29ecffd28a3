package smstest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

// The package's samples, as a host writes them: the storage contract run on
// a store (here memstore), and a refusal asserted.

func TestStore(t *testing.T) {
	t.Parallel()
	smstest.RunStore(t, func(t *testing.T) sms.Store[*smstest.Thing] {
		return memstore.New[*smstest.Thing]()
	})
}

func TestResolveNeedsNotesAndAnAction(t *testing.T) {
	t.Parallel()
	svc, agent, id := assignedIncident(t) // the host's fixture
	_, err := svc.Resolve(t.Context(), agent, id, incident.Resolution{})
	smstest.RequireRefused(t, err, "INC-05", "INC-07")
}

// assignedIncident returns a service on memstore holding one incident,
// classified and assigned, and the agent who works it.
func assignedIncident(t *testing.T) (*incident.Service, sms.Actor, string) {
	t.Helper()
	svc, err := incident.NewService(memstore.New[*incident.Incident](), incident.Config{Policy: incident.DefaultPolicy()})
	require.NoError(t, err)
	agent := sms.Actor{ID: "dana", Roles: []sms.Role{incident.RoleServiceDesk, incident.RoleResolver}}
	inc, err := svc.Log(t.Context(), agent, incident.Report{Summary: "VPN down", Service: "vpn", Source: incident.SourceUser,
		Reporter: "carl", ReportedAt: time.Now()})
	require.NoError(t, err)
	inc, err = svc.Classify(t.Context(), agent, inc.ID, incident.Classification{Category: "network", Impact: incident.Medium, Urgency: incident.High})
	require.NoError(t, err)
	inc, err = svc.Assign(t.Context(), agent, inc.ID, incident.Assignment{Group: "network", Assignee: "dana"})
	require.NoError(t, err)
	return svc, agent, inc.ID
}
