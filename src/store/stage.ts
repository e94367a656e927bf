/**
 * The id of an import's staging table (Store.openImportStage): `<created ms, 13 digits>_<12 hex>`, the table being
 * import_stage_<id>. Its own module so the method table (which validates ids from remote callers) and the ClickHouse
 * store share one definition without the method table importing the store. The creation time tells a stale stage.
 */
export const IMPORT_STAGE_ID = /^(\d{13})_[0-9a-f]{12}$/;
export const IMPORT_STAGE_PREFIX = 'import_stage_';
