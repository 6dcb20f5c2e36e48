/** What the server tells the page, in a JSON `<script>` element of the page (no extra request). */
export interface DashboardSettings {
  /** TRACE_LINK_TEMPLATE: a firing's `{trace_id}` goes in it; no trace links when absent. */
  traceLinkTemplate?: string;
  /** Between two polls of the control plane. */
  pollMs: number;
}

/** The id of the element holding {@link DashboardSettings}. */
export const SETTINGS_ELEMENT_ID = 'dashboard-settings';

/** Where the control plane serves the page and its script (also `GET /` on ADMIN_PORT). */
export const DASHBOARD_PATH = '/api/v1/admin/dashboard';
export const DASHBOARD_SCRIPT_PATH = `${DASHBOARD_PATH}/app.js`;
export const SERIES_PATH = '/api/v1/admin/series';
