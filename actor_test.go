package sms_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iso20k/sms"
)

const (
	roleCAB     sms.Role = "cab_member"
	roleManager sms.Role = "change_manager"
)

var reqSoD = sms.Requirement{ID: "CHG-11", Clause: "8.5.1.3", Text: "no one approves their own change"}

func TestActor(t *testing.T) {
	t.Parallel()
	a := sms.Actor{ID: "ann", Roles: []sms.Role{roleCAB, roleAgent}}
	assert.True(t, a.Has(roleCAB))
	assert.False(t, a.Has(roleLead))
	assert.True(t, a.HasAny([]sms.Role{roleLead, roleAgent}))
	assert.False(t, a.HasAny([]sms.Role{roleLead}))
	assert.False(t, a.HasAny(nil))
	assert.False(t, sms.Actor{ID: "x"}.HasAny([]sms.Role{roleLead}))

	c := a.Clone()
	c.Roles[0] = "mutated"
	assert.Equal(t, roleCAB, a.Roles[0], "Clone shares the roles")
	assert.Nil(t, sms.Actor{ID: "x"}.Clone().Roles)

	cases := []struct {
		name  string
		actor sms.Actor
		field string
	}{
		{"valid", sms.Actor{ID: "ann", Roles: []sms.Role{roleCAB}}, ""},
		{"valid without roles", sms.Actor{ID: "ann"}, ""},
		{"empty ID", sms.Actor{Roles: []sms.Role{roleCAB}}, "actor.id"},
		{"ID too long", sms.Actor{ID: string(make([]byte, sms.MaxIDLen+1))}, "actor.id"},
		{"empty role", sms.Actor{ID: "ann", Roles: []sms.Role{roleCAB, ""}}, "actor.roles"},
	}
	for _, tc := range cases {
		err := tc.actor.Validate()
		if tc.field == "" {
			assert.NoError(t, err, tc.name)
			continue
		}
		var ve *sms.ValidationError
		if assert.ErrorAs(t, err, &ve, tc.name) {
			assert.Equal(t, tc.field, ve.Field, tc.name)
			assert.ErrorIs(t, err, sms.ErrInvalid, tc.name)
		}
	}
}

func TestApprovalRuleValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		rule  sms.ApprovalRule
		field string
	}{
		{"valid", sms.ApprovalRule{Roles: []sms.Role{roleCAB}, Quorum: 1}, ""},
		{"valid with exclusions", sms.ApprovalRule{Roles: []sms.Role{roleCAB, roleManager}, Quorum: 3, Exclude: []sms.Party{sms.PartyRequester}}, ""},
		{"no roles", sms.ApprovalRule{Quorum: 1}, "approval_rule.roles"},
		{"empty roles", sms.ApprovalRule{Roles: []sms.Role{}, Quorum: 1}, "approval_rule.roles"},
		{"zero quorum", sms.ApprovalRule{Roles: []sms.Role{roleCAB}}, "approval_rule.quorum"},
		{"negative quorum", sms.ApprovalRule{Roles: []sms.Role{roleCAB}, Quorum: -2}, "approval_rule.quorum"},
		{"the zero rule", sms.ApprovalRule{}, "approval_rule.roles"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := tc.rule.Validate()
			if tc.field == "" {
				assert.NoError(t, err)
				return
			}
			var ve *sms.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.ErrorIs(t, err, sms.ErrInvalid)
			assert.Equal(t, tc.field, ve.Field)
		})
	}
}

func TestApprovalRuleEligible(t *testing.T) {
	t.Parallel()
	rule := sms.ApprovalRule{Roles: []sms.Role{roleCAB, roleManager}, Quorum: 2, Exclude: []sms.Party{sms.PartyRequester, sms.PartyImplementer}}
	var parties sms.Participants
	parties.Add(sms.PartyRequester, "rob", false)
	parties.Add(sms.PartyRequester, "raj", true) // raised it for rob
	parties.Add(sms.PartyImplementer, "ivy", true)
	parties.Add(sms.PartyOwner, "otto", true)
	cases := []struct {
		name      string
		actor     sms.Actor
		parties   sms.Participants
		forbidden bool
		roles     []sms.Role // cited by the refusal
	}{
		{"CAB member", sms.Actor{ID: "carl", Roles: []sms.Role{roleCAB}}, parties, false, nil},
		{"change manager", sms.Actor{ID: "mia", Roles: []sms.Role{roleAgent, roleManager}}, parties, false, nil},
		{"an excluded-by-nobody party (owner)", sms.Actor{ID: "otto", Roles: []sms.Role{roleCAB}}, parties, false, nil},
		{"no parties known", sms.Actor{ID: "rob", Roles: []sms.Role{roleCAB}}, nil, false, nil},
		{"missing role", sms.Actor{ID: "carl", Roles: []sms.Role{roleAgent}}, parties, true, []sms.Role{roleCAB, roleManager}},
		{"no roles at all", sms.Actor{ID: "carl"}, parties, true, []sms.Role{roleCAB, roleManager}},
		{"the requester", sms.Actor{ID: "rob", Roles: []sms.Role{roleCAB}}, parties, true, nil},
		{"who raised it for the requester", sms.Actor{ID: "raj", Roles: []sms.Role{roleCAB}}, parties, true, nil},
		{"the implementer", sms.Actor{ID: "ivy", Roles: []sms.Role{roleManager}}, parties, true, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := rule.Eligible(tc.actor, tc.parties, reqSoD)
			if !tc.forbidden {
				assert.NoError(t, err)
				return
			}
			var fe *sms.ForbiddenError
			require.ErrorAs(t, err, &fe)
			assert.ErrorIs(t, err, sms.ErrForbidden)
			assert.Equal(t, reqSoD, fe.Requirement)
			assert.Equal(t, tc.actor.ID, fe.Actor)
			assert.Equal(t, tc.roles, fe.Roles)
			assert.NotEmpty(t, fe.Reason)
		})
	}
	t.Run("the refusal's roles are a copy", func(t *testing.T) {
		t.Parallel()
		r := sms.ApprovalRule{Roles: []sms.Role{roleCAB}, Quorum: 1}
		var fe *sms.ForbiddenError
		require.ErrorAs(t, r.Eligible(sms.Actor{ID: "x"}, nil, reqSoD), &fe)
		fe.Roles[0] = "mutated"
		assert.Equal(t, roleCAB, r.Roles[0])
	})
}

func TestApprovalRuleTally(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	approve := func(who string, role sms.Role) sms.Approval {
		return sms.Approval{Approver: who, Role: role, Decision: sms.Approve, Rationale: "ok", At: at}
	}
	reject := func(who string, role sms.Role) sms.Approval {
		return sms.Approval{Approver: who, Role: role, Decision: sms.Reject, Rationale: "no", At: at}
	}
	two := sms.ApprovalRule{Roles: []sms.Role{roleCAB, roleManager}, Quorum: 2, Exclude: []sms.Party{sms.PartyRequester}}
	one := sms.ApprovalRule{Roles: []sms.Role{roleCAB}, Quorum: 1}
	var parties sms.Participants
	parties.Add(sms.PartyRequester, "rob", false)
	parties.Add(sms.PartyRequester, "raj", true)
	cases := []struct {
		name      string
		rule      sms.ApprovalRule
		approvals []sms.Approval
		want      sms.Outcome
	}{
		{"nothing yet", two, nil, sms.Pending},
		{"one of two", two, []sms.Approval{approve("carl", roleCAB)}, sms.Pending},
		{"two distinct approvers", two, []sms.Approval{approve("carl", roleCAB), approve("mia", roleManager)}, sms.Approved},
		{"more than the quorum", two, []sms.Approval{approve("carl", roleCAB), approve("mia", roleManager), approve("cleo", roleCAB)}, sms.Approved},
		{"the same approver twice", two, []sms.Approval{approve("carl", roleCAB), approve("carl", roleCAB)}, sms.Pending},
		{"the same approver under two roles", two, []sms.Approval{approve("carl", roleCAB), approve("carl", roleManager)}, sms.Pending},
		{"the requester's approval does not count", two, []sms.Approval{approve("rob", roleCAB), approve("carl", roleCAB)}, sms.Pending},
		{"the approval of who raised it for the requester does not count", two, []sms.Approval{approve("raj", roleCAB), approve("carl", roleCAB)}, sms.Pending},
		{"the requester's approval, then two others", two, []sms.Approval{approve("rob", roleCAB), approve("carl", roleCAB), approve("mia", roleManager)}, sms.Approved},
		{"a role outside the rule does not count", two, []sms.Approval{approve("carl", roleCAB), approve("lena", roleLead)}, sms.Pending},
		{"a rejection by an eligible role", two, []sms.Approval{approve("carl", roleCAB), reject("mia", roleManager)}, sms.Rejected},
		{"a rejection after the quorum", two, []sms.Approval{approve("carl", roleCAB), approve("mia", roleManager), reject("cleo", roleCAB)}, sms.Rejected},
		{"a rejection first", one, []sms.Approval{reject("carl", roleCAB), approve("cleo", roleCAB)}, sms.Rejected},
		{"a rejection by a role outside the rule is ignored", two, []sms.Approval{approve("carl", roleCAB), approve("mia", roleManager), reject("lena", roleLead)}, sms.Approved},
		{"an approval with an unknown decision", one, []sms.Approval{{Approver: "carl", Role: roleCAB, Decision: "maybe"}}, sms.Pending},
		{"quorum of one", one, []sms.Approval{approve("carl", roleCAB)}, sms.Approved},
		{"an invalid rule still needs one approver", sms.ApprovalRule{Roles: []sms.Role{roleCAB}}, nil, sms.Pending},
		{"an invalid rule with one approver", sms.ApprovalRule{Roles: []sms.Role{roleCAB}}, []sms.Approval{approve("carl", roleCAB)}, sms.Approved},
		{"a rule without roles approves nothing", sms.ApprovalRule{Quorum: 1}, []sms.Approval{approve("carl", roleCAB)}, sms.Pending},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.rule.Tally(tc.approvals, parties))
		})
	}
}

func TestParticipants(t *testing.T) {
	t.Parallel()
	var ps sms.Participants
	ps.Add(sms.PartyRequester, "rob", false)
	ps.Add(sms.PartyRequester, "", true) // ignored
	ps.Add(sms.PartyRequester, "raj", true)
	ps.Add(sms.PartyRequester, "rob", true) // rob also acted: listed once
	ps.Add(sms.PartyApprover, "rob", true)
	assert.Equal(t, sms.Participants{
		{Party: sms.PartyRequester, ID: "rob", Acted: true},
		{Party: sms.PartyRequester, ID: "raj", Acted: true},
		{Party: sms.PartyApprover, ID: "rob", Acted: true},
	}, ps)
	assert.True(t, ps.Has(sms.PartyRequester, "raj"))
	assert.False(t, ps.Has(sms.PartyApprover, "raj"))
	assert.Equal(t, []string{"rob", "raj"}, ps.Of(sms.PartyRequester))
	assert.Nil(t, ps.Of(sms.PartyDeployer))
	p, ok := ps.Holds("rob", sms.PartyDeployer, sms.PartyApprover, sms.PartyRequester)
	assert.True(t, ok)
	assert.Equal(t, sms.PartyApprover, p)
	_, ok = ps.Holds("zoe", sms.PartyRequester)
	assert.False(t, ok)

	named := sms.Participants{}
	named.Add(sms.PartyConfirmer, "carol", false)
	assert.Empty(t, named.Acted(sms.PartyConfirmer), "a person only named did not act")
	c := ps.Clone()
	c[0].ID = "mutated"
	assert.Equal(t, "rob", ps[0].ID, "a clone shares no memory")
}
