package supplier

import "github.com/iso20k/sms"

// Entity kinds of the package, as stored.
const (
	SupplierKind sms.Kind = "supplier"
	ContractKind sms.Kind = "contract"
	DisputeKind  sms.Kind = "dispute"
)

// Roles the package's workflows accept.
const (
	// RoleSupplierManager acts for the organisation: proposes, evaluates
	// and approves suppliers, agrees and reviews contracts, raises and
	// manages disputes.
	RoleSupplierManager sms.Role = "supplier_manager"
	// RoleSupplierContact acts for the supplier where the supplier's own
	// word is recorded: its acceptance of a dispute's resolution.
	RoleSupplierContact sms.Role = "supplier_contact"
)
