package emulator

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// OpBucketList is the operation of GET /bucket, as used by Fault.Op and
// Requests.
const OpBucketList = "bucket.list"

// StorageTypes are the storage types the emulator accepts for repos and
// buckets: the official client's, which the contract says to send.
var StorageTypes = []string{"S3", "GCS", "BLOB"}

var (
	// ErrBucketNotFound is returned by the bucket hooks for an id that is
	// unknown or deleted.
	ErrBucketNotFound = errors.New("bucket not found")
	// ErrBucketInUse is returned by DeleteBucket while a live repo uses the
	// bucket: the case in which the API answers 403.
	ErrBucketInUse = errors.New("bucket is in use")
)

// Bucket is a storage connection: declared in Options.Buckets, added with
// AddBucket, returned by Buckets. The API cannot create buckets in the
// emulator. Its JSON form is the data file's, not the wire's.
type Bucket struct {
	ID string `json:"id"`
	// WorkspaceID is a declared workspace; "" means the default workspace.
	WorkspaceID string `json:"workspaceId"`
	// Name is the label, unique in the organization; default ID.
	Name string `json:"name"`
	// StorageType is one of StorageTypes; default S3.
	StorageType string `json:"storageType"`
	// Bucket is the physical bucket's name; default ID.
	Bucket   string `json:"bucket"`
	Region   string `json:"region,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	// Key is the access key id; default a random AKIA… value. Lists show only
	// its first four characters and "****".
	Key string `json:"key"`
}

func (b Bucket) withDefaults() Bucket {
	if b.Name == "" {
		b.Name = b.ID
	}
	if b.StorageType == "" {
		b.StorageType = "S3"
	}
	if b.Bucket == "" {
		b.Bucket = b.ID
	}
	if b.Key == "" {
		b.Key = "AKIA" + strings.ToUpper(hex.EncodeToString(randomBytes(8)))
	}
	return b
}

func (b Bucket) validate() error {
	if err := validateName(b.Name); err != nil {
		return err
	}
	if !slices.Contains(StorageTypes, b.StorageType) {
		return fmt.Errorf("storageType %q is not one of %v", b.StorageType, StorageTypes)
	}
	return nil
}

// bucketRecord is a stored bucket with what the emulator makes up for its
// listing: the encrypted secret blob.
type bucketRecord struct {
	Bucket
	Secret    encryptedBlob `json:"secret"`
	CreatedAt time.Time     `json:"createdAt"`
	DeletedAt *time.Time    `json:"deletedAt,omitempty"`
	Seq       uint64        `json:"seq"`
}

func (b *bucketRecord) live() bool { return b.DeletedAt == nil }

func newBucketRecord(b Bucket, createdAt time.Time, seq uint64) *bucketRecord {
	return &bucketRecord{Bucket: b, Secret: newEncryptedBlob(), CreatedAt: createdAt, Seq: seq}
}

type encryptedBlob struct {
	Key     string `json:"key"`
	IV      string `json:"iv"`
	AuthTag string `json:"authTag"`
	Message string `json:"message"`
}

// newEncryptedBlob makes up an encrypted secret as the API lists them. Every
// part is long and random, so that a test can search for it reliably.
func newEncryptedBlob() encryptedBlob {
	return encryptedBlob{
		Key:     hex.EncodeToString(randomBytes(32)),
		IV:      hex.EncodeToString(randomBytes(12)),
		AuthTag: hex.EncodeToString(randomBytes(16)),
		Message: base64.StdEncoding.EncodeToString(randomBytes(30)),
	}
}

func (b encryptedBlob) parts() []string { return []string{b.Key, b.IV, b.AuthTag, b.Message} }

// maskKey shows a configured key as the emulator's lists do.
func maskKey(key string) string {
	if len(key) > 4 {
		key = key[:4]
	}
	return key + "****"
}

func bucketRoutes() []route {
	return []route{
		{path: "/bucket", endpoints: []endpoint{
			{method: http.MethodGet, op: OpBucketList, handle: (*Server).listBuckets},
		}},
		{path: "/bucket/{id}", endpoints: []endpoint{
			{method: http.MethodGet, absent: "buckets cannot be read one by one; list them with GET /bucket?workspaceId="},
		}},
	}
}

// bucketDTO is a bucket as GET /bucket lists it and as GET /repo embeds it:
// with the masked key and the encrypted secret, which clients must drop.
type bucketDTO struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Bucket      string        `json:"bucket"`
	StorageType string        `json:"storageType"`
	Key         string        `json:"key"`
	Secret      encryptedBlob `json:"secret"`
	Endpoint    *string       `json:"endpoint"`
	Region      *string       `json:"region"`
	Status      string        `json:"status"`
	WorkspaceID string        `json:"workspaceId"`
	CreatedAt   string        `json:"createdAt"`
	// Repos are the live repos that use the bucket; a repo's listing embeds
	// its buckets without them.
	Repos *[]bucketRepoDTO `json:"repos,omitempty"`
}

type bucketRepoDTO struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	StorageType string `json:"storageType"`
	CreatedAt   string `json:"createdAt"`
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func newBucketDTO(b *bucketRecord) bucketDTO {
	return bucketDTO{
		ID:          b.ID,
		Name:        b.Name,
		Bucket:      b.Bucket.Bucket,
		StorageType: b.StorageType,
		Key:         maskKey(b.Key),
		Secret:      b.Secret,
		Endpoint:    nonEmpty(b.Endpoint),
		Region:      nonEmpty(b.Region),
		Status:      "ONLINE",
		WorkspaceID: b.WorkspaceID,
		CreatedAt:   formatTime(b.CreatedAt),
	}
}

type bucketListBody struct {
	Success bool        `json:"success"`
	Buckets []bucketDTO `json:"buckets"`
}

func (s *Server) sortedBucketsLocked() []*bucketRecord {
	return oldestFirst(s.store.buckets, func(b *bucketRecord) uint64 { return b.Seq })
}

// bucketUsersLocked returns the live repos that use the bucket.
func (s *Server) bucketUsersLocked(id string) []*repoRecord {
	var users []*repoRecord
	for _, repo := range s.sortedReposLocked() {
		if repo.live() && repo.bucket(id) != nil {
			users = append(users, repo)
		}
	}
	return users
}

// listBuckets lists the live buckets of a workspace, or of every workspace
// the caller can access. Buckets are never made through the API, so ListLag
// hides none.
func (s *Server) listBuckets(r *http.Request, _ map[string]string) result {
	workspaceID, byWorkspace, err := queryID(r, "workspaceId")
	if err != nil {
		return errorResult(http.StatusBadRequest, "%v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if byWorkspace {
		if res, forbidden := s.workspaceForbiddenLocked(workspaceID); forbidden {
			return res
		}
	}
	out := make([]bucketDTO, 0)
	for _, b := range s.sortedBucketsLocked() {
		if !b.live() || !s.workspaceAccessibleLocked(b.WorkspaceID) || (byWorkspace && b.WorkspaceID != workspaceID) {
			continue
		}
		dto := newBucketDTO(b)
		repos := make([]bucketRepoDTO, 0)
		for _, repo := range s.bucketUsersLocked(b.ID) {
			repos = append(repos, bucketRepoDTO{ID: repo.ID, Name: repo.Name, StorageType: repo.StorageType, CreatedAt: formatTime(repo.CreatedAt)})
		}
		dto.Repos = &repos
		out = append(out, dto)
	}
	return okResult(bucketListBody{Success: true, Buckets: out})
}

// bucketNamedLocked finds another live bucket of the organization with the
// name.
func (s *Server) bucketNamedLocked(name, exceptID string) *bucketRecord {
	for _, b := range s.store.buckets {
		if b.live() && b.Name == name && b.ID != exceptID {
			if ws, ok := s.store.workspaces[b.WorkspaceID]; ok && ws.OrgID == s.orgID {
				return b
			}
		}
	}
	return nil
}

// AddBucket adds a bucket to a live workspace, as someone connecting a
// storage bucket in the Flashback UI would (the API's POST /bucket is not
// emulated). An empty ID gets a new UUID; the other defaults are Bucket's. It
// returns the stored bucket, key included, or an error wrapping
// ErrWorkspaceNotFound for a workspace that does not exist (any more).
func (s *Server) AddBucket(b Bucket) (Bucket, error) {
	if b.ID == "" {
		b.ID = newUUID()
	}
	if b.WorkspaceID == "" {
		b.WorkspaceID = DefaultWorkspaceID
	}
	b = b.withDefaults()
	if err := b.validate(); err != nil {
		return Bucket{}, fmt.Errorf("bucket %s: %w", b.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ws, ok := s.store.workspaces[b.WorkspaceID]; !ok || !ws.live() {
		return Bucket{}, fmt.Errorf("%w: %s", ErrWorkspaceNotFound, b.WorkspaceID)
	}
	if _, dup := s.store.buckets[b.ID]; dup {
		return Bucket{}, fmt.Errorf("bucket %s already exists", b.ID)
	}
	if other := s.bucketNamedLocked(b.Name, ""); other != nil {
		return Bucket{}, fmt.Errorf("bucket %s is already named %q; bucket names are unique in the organization", other.ID, b.Name)
	}
	rec := newBucketRecord(b, s.wireNow(), s.store.nextSeq())
	s.store.buckets[b.ID] = rec
	if err := s.persistLocked(func() { delete(s.store.buckets, b.ID) }); err != nil {
		return Bucket{}, err
	}
	return rec.Bucket, nil
}

// DeleteBucket soft-deletes a bucket as someone using the Flashback UI would.
// It returns an error wrapping ErrBucketNotFound for an unknown or deleted id,
// or ErrBucketInUse while a live repo uses the bucket.
func (s *Server) DeleteBucket(id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.store.buckets[id]
	if !ok || !b.live() {
		return fmt.Errorf("%w: %s", ErrBucketNotFound, id)
	}
	if users := s.bucketUsersLocked(id); len(users) > 0 {
		return fmt.Errorf("%w: bucket %s is used by repos %s", ErrBucketInUse, id, repoNames(users))
	}
	deletedAt := s.wireNow()
	b.DeletedAt = &deletedAt
	return s.persistLocked(func() { b.DeletedAt = nil })
}

// Buckets returns copies of the live buckets of a workspace ("" = every
// workspace), keys included, in the order GET /bucket lists them.
func (s *Server) Buckets(workspaceID string) []Bucket {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Bucket
	for _, b := range s.sortedBucketsLocked() {
		if b.live() && (workspaceID == "" || b.WorkspaceID == workspaceID) {
			out = append(out, b.Bucket)
		}
	}
	return out
}

// BucketSecrets returns every secret value a listing of the bucket carries
// (the masked key and the parts of its encrypted secret), so that tests can
// prove a client never keeps them. It returns nil for an unknown bucket.
func (s *Server) BucketSecrets(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.store.buckets[id]
	if !ok {
		return nil
	}
	return append([]string{maskKey(b.Key)}, b.Secret.parts()...)
}

func repoNames(repos []*repoRecord) string {
	names := make([]string, len(repos))
	for i, repo := range repos {
		names[i] = fmt.Sprintf("%s (%s)", repo.ID, repo.Name)
	}
	return strings.Join(names, ", ")
}
