package omadm_test

import (
	"fmt"

	"github.com/phdkit/phdkit/omadm"
)

// A server signs package 0 with its credentials with the device and the nonce the
// device gave it; the device decodes it and checks the digest.
func ExampleNotification() {
	n := omadm.Notification{Version: omadm.NotificationVersion, UIMode: omadm.UIInformative,
		Initiator: omadm.InitiatorServer, SessionID: 0x1A2B, ServerID: "phdkit-dm", Body: []byte("\x01\x02vendor")}
	if err := n.Sign("phdkit-dm", "srvpwd", []byte("nonce-0001")); err != nil {
		panic(err)
	}
	msg, err := n.AppendBinary(nil)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%x\n", msg)

	var got omadm.Notification
	if _, err := got.Unmarshal(msg); err != nil {
		panic(err)
	}
	fmt.Println(got.ServerID, got.UIMode, got.Initiator, got.SessionIDString())
	fmt.Println(omadm.VerifyNotification(msg, "phdkit-dm", "srvpwd", []byte("nonce-0001")))
	fmt.Println(omadm.VerifyNotification(msg, "phdkit-dm", "guess", []byte("nonce-0001")))
	// Output:
	// ef3b25f6596e8a77578aa274024fe71203280000001a2b097068646b69742d646d010276656e646f72
	// phdkit-dm informative server 1A2B
	// <nil>
	// omadm: notification digest does not match the server's credentials
}
