import { BUCKET_GLOB } from '../../shared/faults/parse-rule.js';
import { isPresetName, PRESETS, type PresetOptions } from '../../shared/faults/presets.js';
import { ControlError, validationError } from './control-error.js';
import { type ControlOperation, objectBody, refuseUnknownFields } from './request.js';
import { resetSharedHits } from './shared-hits.js';

/** GET /presets: each built-in scenario template, its options and the rules it materialises. */
export const listPresets: ControlOperation = ({ runtime }) => ({
  status: 200,
  body: { presets: runtime.faults.presets() },
});

/**
 * POST /presets/{name}/activate `{ttl?, node?, seed?, bucket?}`: materialises the preset as rules tagged
 * with its name (activating again replaces them). Options the preset does not use are refused.
 */
export const activatePreset: ControlOperation = async ({ runtime, params, body }) => {
  const name = params.name!;
  if (!isPresetName(name)) throw new ControlError('NotFound', `no preset named ${name}`);
  const fields = objectBody(body, true);
  refuseUnknownFields(fields, PRESETS[name].options);
  const options: PresetOptions = {};
  if (fields.ttl !== undefined) {
    if (typeof fields.ttl !== 'string') throw validationError('ttl', 'must be a duration such as "5m"');
    options.ttl = fields.ttl;
  }
  if (fields.node !== undefined) {
    if (typeof fields.node !== 'string') throw validationError('node', 'must be a storage node id');
    options.node = fields.node;
  }
  if (fields.bucket !== undefined) {
    if (typeof fields.bucket !== 'string' || fields.bucket.length > 255 || !BUCKET_GLOB.test(fields.bucket)) {
      throw validationError('bucket', 'must be a bucket name (a glob: `*` matches any characters)');
    }
    options.bucket = fields.bucket;
  }
  if (fields.seed !== undefined) {
    if (typeof fields.seed !== 'string' && typeof fields.seed !== 'number') {
      throw validationError('seed', 'must be an integer or a string');
    }
    options.seed = fields.seed;
  }
  const previous = runtime.faults.listRules({ scenario: name }).map((rule) => rule.id);
  const rules = runtime.faults.activatePreset(name, options) ?? [];
  // The preset's rules are made afresh: their shared counts start at 0 like the engine's.
  await resetSharedHits(runtime, [...new Set([...previous, ...rules.map((rule) => rule.id)])]);
  return { status: 200, body: { preset: name, scenario: name, rules } };
};
