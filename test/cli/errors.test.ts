import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/cli/errors.js';
import { ValidationError } from '../../src/lib/errors.js';

/** A service's complaint about one input field reads in the CLI as one about the option. */
describe('CLI: validation errors of the services', () => {
  it('names the option of a field the service names', () => {
    const e = ValidationError.about('dealerId', 'required, because you belong to no dealer');
    expect(e.message).toBe('dealerId: required, because you belong to no dealer');
    expect(describeError(e)).toEqual({
      exitCode: 2,
      code: 'invalid',
      message: 'invalid --dealer: required, because you belong to no dealer',
      details: ['--dealer: required, because you belong to no dealer'],
    });
    const polled = ValidationError.about(
      'address',
      'a polled installation needs an address, a port and a protocol',
    );
    expect(describeError(polled).message).toBe(
      'invalid --address: a polled installation needs an address, a port and a protocol',
    );
  });

  it('keeps a message about no field as it is', () => {
    expect(describeError(new ValidationError('you cannot delete yourself'))).toMatchObject({
      exitCode: 2,
      message: 'you cannot delete yourself',
      details: [],
    });
  });
});
