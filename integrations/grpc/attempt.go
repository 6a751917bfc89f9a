package recurgrpc

import (
	"context"
	"errors"
	"io"

	"github.com/recur-go/recur/engine"
)

// attempt receives the first message on the current stream (the first attempt) or on a new
// one, sending again what was sent. The stream's context is the caller's, not the attempt's,
// which ends when the call settles: the attempt's ending (a timeout, a cancellation) reaches
// the stream through an AfterFunc, removed once the message has arrived.
// eof reports a stream that the server ended with OK and no message: a success, with nothing
// to receive.
func (s *stream) attempt(actx context.Context, m any) (eof bool, err error) {
	n, _ := engine.AttemptOf(actx)
	s.mu.Lock()
	if n.Number == 1 && s.openErr != nil {
		s.mu.Unlock()
		return false, s.cfg.classify(s.openErr, nil)
	}
	if n.Number > 1 || s.cur == nil {
		s.cancel() // the stream given up
		cur, cancel, err := s.openOne(s.ctx)
		if err != nil {
			s.cur, s.cancel = nil, func() {}
			s.mu.Unlock()
			return false, s.cfg.classify(err, nil)
		}
		s.cur, s.cancel = cur, cancel
		if err := s.replay(); err != nil {
			s.mu.Unlock()
			return false, s.cfg.classify(err, cur.Trailer())
		}
	}
	cur, cancel := s.cur, s.cancel
	s.mu.Unlock()

	stop := context.AfterFunc(actx, cancel)
	err = cur.RecvMsg(m)
	if !stop() && err == nil {
		// The attempt ended (timed out, or the call was canceled) as the message arrived: the
		// stream is canceled, so the message cannot be the first of a live stream.
		return false, context.Cause(actx)
	}
	if err == io.EOF {
		return true, nil
	}
	if err != nil && actx.Err() != nil {
		// The stream failed because the attempt ended (the AfterFunc canceled it): its status is
		// Canceled, which is not what happened. The attempt's cause (engine.ErrAttemptTimeout)
		// is, and the engine retries it.
		return false, context.Cause(actx)
	}
	return false, s.cfg.classify(err, cur.Trailer())
}

// replay sends the kept messages, and CloseSend, on the new current stream; s.mu is held.
func (s *stream) replay() error {
	for _, m := range s.sent {
		if err := s.cur.SendMsg(m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil // the stream ended: RecvMsg will return its status
			}
			return err
		}
	}
	if s.closeSent {
		return s.cur.CloseSend()
	}
	return nil
}

// isPermanent reports whether classify marked err as not retryable.
func isPermanent(err error) bool {
	return engine.DefaultClassifier(err) == engine.Stop()
}
