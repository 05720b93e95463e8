// Package omadm implements OMA Device Management 1.2 (SyncML DM): the message model, the
// XML and WBXML codecs, authentication (syncml:auth-basic, syncml:auth-md5 and the
// x-syncml-hmac transport MAC), the server session engine over HTTP, package 0
// notifications for server-initiated sessions, the device-side client engine, the
// management tree interface and the PHD management object.
//
// # Messages
//
// A SyncML value is one message. ParseXML and ParseWBXML decode, Unmarshal picks the
// codec from the first byte, and AppendXML and AppendWBXML encode:
//
//	var m omadm.SyncML
//	if _, err := m.Unmarshal(body); err != nil {
//		return err // a *DecodeError naming the field and offset
//	}
//	for _, c := range m.Body.Commands {
//		fmt.Println(c.Kind, c.CmdID)
//	}
//	out, err := m.AppendWBXML(nil)
//
// # Server
//
// A Server runs management sessions over HTTP: it authenticates the device (with a
// challenge when needed), sends the commands queued for it, collects statuses and
// results, and reports them per device:
//
//	srv := &omadm.Server{
//		Auth: omadm.AuthMD5,
//		Credentials: func(device, user string) (name, password string, ok bool) {
//			return lookup(device)
//		},
//		OnSession: func(r omadm.Report) { log.Println(r.Device, r.Results, r.Err) },
//	}
//	srv.Enqueue("IMEI:493005100592800", omadm.Command{Kind: omadm.CmdReplace,
//		Items: []omadm.Item{{Target: omadm.Loc{URI: "./PHD/Measurement/Interval"}, Data: "30"}}})
//	go srv.Serve(listener)
//	defer srv.Shutdown(ctx)
//
// # Notifications
//
// A server asks a device to open a session with package 0, a Notification
// (OMA-TS-DM_Notification-V1_2): Server.Notify builds and signs it for a device,
// whatever bearer the caller has carries it, and Client.Notified verifies its digest
// against the server's credentials and the device's nonce and runs the session with
// Alert 1200 and the notification's session id:
//
// The server accepts a session opened with Alert 1200 only when its SessionID names a
// notification Notify built for the same device within Server.NotifyLifetime (default
// ten minutes), once; any other is refused with status 403 on the Alert and runs
// nothing (Report.Err is ErrNotNotified). Alert 1201 sessions need no notification.
//
//	msg, err := srv.Notify(device, omadm.Notification{UIMode: omadm.UIBackground,
//		Initiator: omadm.InitiatorServer, SessionID: 0x1A2B})
//	// on the device:
//	n, report, err := client.Notified(ctx, msg) // ErrNotifyDigest opens nothing
//
// # Buffers and concurrency
//
// The decoders copy every string out of their input: a decoded SyncML never aliases the
// input buffer, and it reuses the capacity of its Body.Commands slice (and of the Items
// slices in it) from one decode to the next. A decoded Notification's Body aliases the
// input. SyncML and Notification values are not safe for concurrent use. A Client runs
// one session at a time: Run and Notified calls take turns. A Server is safe for concurrent use; each session is owned by one goroutine, which
// the HTTP handlers talk to over channels, and Shutdown waits for all of them. OnSession,
// OnAlert and Commands run on session goroutines.
package omadm
