import { describe, expect, it } from '@jest/globals';
import { parseVersioningConfiguration } from '../../../../shared/s3/request-xml.js';

const config = (inner: string) =>
  Buffer.from(
    `<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${inner}</VersioningConfiguration>`,
  );

function codeOf(body: Buffer): string | undefined {
  try {
    parseVersioningConfiguration(body);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe('parseVersioningConfiguration', () => {
  it('reads Status and MfaDelete as sent', () => {
    // Act
    const enabled = parseVersioningConfiguration(config('<Status>Enabled</Status>'));
    const suspended = parseVersioningConfiguration(
      config('<MfaDelete>Disabled</MfaDelete><Status>Suspended</Status>'),
    );

    // Assess
    expect(enabled).toEqual({ status: 'Enabled' });
    expect(suspended).toEqual({ status: 'Suspended', mfaDelete: 'Disabled' });
  });

  it('answers IllegalVersioningConfigurationException without Status and MalformedXML outside the schema', () => {
    // Act
    const codes = [
      config(''),
      config('<MfaDelete>Disabled</MfaDelete>'),
      config('<Status>enabled</Status>'),
      config('<Status>Enabled</Status><MfaDelete>Maybe</MfaDelete>'),
      Buffer.from('<Versioning><Status>Enabled</Status></Versioning>'),
      Buffer.from(''),
    ].map(codeOf);

    // Assess
    expect(codes).toEqual([
      'IllegalVersioningConfigurationException',
      'IllegalVersioningConfigurationException',
      'MalformedXML',
      'MalformedXML',
      'MalformedXML',
      'MalformedXML',
    ]);
  });
});
