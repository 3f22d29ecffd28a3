package continuity

import (
	"context"
	"time"

	"github.com/iso20k/sms"
)

// Entity kinds of the package, as stored.
const (
	RequirementKind sms.Kind = "continuity_requirement"
	PlanKind        sms.Kind = "continuity_plan"
	TestKind        sms.Kind = "continuity_test"
	InvocationKind  sms.Kind = "invocation"
)

// Roles the package's workflows accept.
const (
	// RoleContinuityManager determines requirements, writes, approves and
	// tests plans, and reviews tests and invocations.
	RoleContinuityManager sms.Role = "continuity_manager"
	// RoleCustomer agrees a service's continuity requirements for the
	// customer (CON-03).
	RoleCustomer sms.Role = "customer"
)

// Objectives are a service's agreed continuity objectives (CON-02): the
// recovery time objective, the recovery point objective, the maximum
// tolerable period of disruption, and the minimum service level while a
// plan is invoked.
type Objectives struct {
	RTO             time.Duration `json:"rto"`
	RPO             time.Duration `json:"rpo"`
	MTPD            time.Duration `json:"mtpd"`
	MinServiceLevel string        `json:"min_service_level"`
}

// AgreedRequirements is how the other processes read the agreed continuity
// requirements of a service: its objectives, and false when none is
// agreed. [Requirements] implements it on the stored requirements.
type AgreedRequirements interface {
	Agreed(ctx context.Context, service string) (Objectives, bool, error)
}

// PlanFacts is what an invocation or a test reads of a plan.
type PlanFacts struct {
	Status      string
	Version     int
	Services    []string
	Authorities []string // the people who may invoke it (CON-12)
	Criteria    string   // the invocation criteria (CON-05)
}

// PlanFinder is how tests and invocations read a plan: its facts, or an
// error matching sms.ErrNotFound. [Plans] implements it.
type PlanFinder interface {
	PlanFacts(ctx context.Context, id string) (PlanFacts, error)
}
