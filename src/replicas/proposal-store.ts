// The follower's store on a replica: what this replica fetched and validated (proposed, not served); its failures
// still show in /status through the served store.
import { RevisionStore, type LastError } from "../revisions/revision-store.js";

export class ProposalStore extends RevisionStore {
  constructor(private readonly served: RevisionStore) {
    super();
  }

  override fail(error: LastError): void {
    super.fail(error);
    this.served.fail(error);
  }

  override clearError(): void {
    super.clearError();
    this.served.clearError();
  }
}
