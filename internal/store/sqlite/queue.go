package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jeeves-ci/jeeves/internal/model"
)

const queueCols = `q.id, q.job_id, j.name, q.causes, q.params, q.enqueued_at, q.due_at, q.state, q.cancelled, q.build_number, q.left_at, q.auth`

func scanQueueItem(row interface{ Scan(...any) error }) (*model.QueueItem, error) {
	var it model.QueueItem
	var causes, params, state, auth string
	var enq, due, left int64
	err := row.Scan(&it.ID, &it.JobID, &it.JobName, &causes, &params, &enq, &due, &state, &it.Cancelled, &it.BuildNumber, &left, &auth)
	if err != nil {
		return nil, mapErr(err)
	}
	it.State = model.QueueState(state)
	it.EnqueuedAt, it.DueAt, it.LeftAt = fromMS(enq), fromMS(due), fromMS(left)
	if err := json.Unmarshal([]byte(causes), &it.Causes); err != nil {
		return nil, fmt.Errorf("queue item %d causes: %w", it.ID, err)
	}
	if err := json.Unmarshal([]byte(params), &it.Params); err != nil {
		return nil, fmt.Errorf("queue item %d params: %w", it.ID, err)
	}
	if it.Auth, err = decodeAuthority(auth); err != nil {
		return nil, fmt.Errorf("queue item %d auth: %w", it.ID, err)
	}
	return &it, nil
}

// Enqueue implements store.Queue; ids grow forever (AUTOINCREMENT).
func (s *Store) Enqueue(ctx context.Context, it *model.QueueItem) error {
	causes, err := json.Marshal(it.Causes)
	if err != nil {
		return err
	}
	params, err := json.Marshal(it.Params)
	if err != nil {
		return err
	}
	auth, err := encodeAuthority(it.Auth)
	if err != nil {
		return err
	}
	it.State = model.QueueWaiting
	return s.queryRow(ctx, `INSERT INTO queue (job_id, causes, params, enqueued_at, due_at, state, auth) VALUES (?, ?, ?, ?, ?, 'waiting', ?) RETURNING id`,
		it.JobID, string(causes), string(params), ms(it.EnqueuedAt), ms(it.DueAt), auth).Scan(&it.ID)
}

// UpdateWaiting implements store.Queue.
func (s *Store) UpdateWaiting(ctx context.Context, it *model.QueueItem) error {
	causes, err := json.Marshal(it.Causes)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `UPDATE queue SET causes = ?, due_at = ? WHERE id = ? AND state = 'waiting'`, string(causes), ms(it.DueAt), it.ID)
	return err
}

// Waiting implements store.Queue.
func (s *Store) Waiting(ctx context.Context) ([]*model.QueueItem, error) {
	rows, err := s.query(ctx, `SELECT `+queueCols+` FROM queue q JOIN jobs j ON j.id = q.job_id WHERE q.state = 'waiting' ORDER BY q.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*model.QueueItem
	for rows.Next() {
		it, err := scanQueueItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, mapErr(rows.Err())
}

// QueueItem implements store.Queue.
func (s *Store) QueueItem(ctx context.Context, id int64) (*model.QueueItem, error) {
	return scanQueueItem(s.queryRow(ctx, `SELECT `+queueCols+` FROM queue q JOIN jobs j ON j.id = q.job_id WHERE q.id = ?`, id))
}

// CancelQueueItem implements store.Queue.
func (s *Store) CancelQueueItem(ctx context.Context, id int64, now time.Time) error {
	return s.change(ctx, `UPDATE queue SET state = 'left', cancelled = 1, left_at = ? WHERE id = ? AND state = 'waiting'`, ms(now), id)
}

// ForgetLeftItems implements store.Queue.
func (s *Store) ForgetLeftItems(ctx context.Context, before time.Time) error {
	_, err := s.exec(ctx, `DELETE FROM queue WHERE state = 'left' AND left_at < ?`, ms(before))
	return err
}
