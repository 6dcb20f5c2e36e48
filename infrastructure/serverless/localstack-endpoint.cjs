// Points osls at LocalStack in the stages named in `custom.localstack.stages` (serverless.yml).
//
// Why not the serverless-localstack plugin: 1.4.0 patches the AWS SDK v2 surface of the provider
// (provider.getCredentials(), provider.sdk, provider.request()), which osls 4 removed: with the
// plugin active, every command of the stage (even `osls print`) stops with
// "provider.getCredentials() is no longer available". osls 4 builds AWS SDK v3 clients, and those
// read their endpoint from AWS_ENDPOINT_URL, so that is all this plugin sets. It reads the same
// `custom.localstack` block (stages, host, edgePort) the serverless-localstack plugin would, does
// nothing in any other stage, and never connects to LocalStack itself.
'use strict';

const DEFAULT_HOST = 'http://localhost';
const DEFAULT_EDGE_PORT = 4566;

class LocalstackEndpoint {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    // `initialize` runs after the configuration's variables are resolved.
    this.hooks = { initialize: () => this.configureEndpoint() };
  }

  configureEndpoint() {
    const service = this.serverless.service;
    const config = service.custom?.localstack ?? {};
    const stage = this.options.stage ?? service.provider?.stage;
    if (!Array.isArray(config.stages) || !config.stages.includes(stage)) return;

    const host = String(config.host ?? DEFAULT_HOST).replace(/\/+$/, '');
    const endpoint = `${host.includes('://') ? host : `http://${host}`}:${config.edgePort ?? DEFAULT_EDGE_PORT}`;
    // A variable set by the caller wins: it may point at another LocalStack on purpose.
    process.env.AWS_ENDPOINT_URL ??= endpoint;
    // LocalStack accepts any credentials; the SDK refuses to sign without some.
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
    this.serverless.cli.log(`localstack stage: AWS endpoint ${process.env.AWS_ENDPOINT_URL}`);
  }
}

module.exports = LocalstackEndpoint;
