package memstore_test

import (
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

func TestVaultContract(t *testing.T) {
	smstest.RunVault(t, func(t *testing.T) sms.Vault { return memstore.NewVault() })
}
