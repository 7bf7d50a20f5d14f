// The query values of a postback's URLs, redacted wherever others are told of it (endings.ts).
import { describe, expect, it } from 'vitest'
import { withQueryValuesRedacted } from '../../src/postbacks/endings.js'

describe('withQueryValuesRedacted', () => {
  it.each([
    ['https://a.example/hook?token=abc&x=1', 'https://a.example/hook?token=REDACTED&x=REDACTED'],
    ['https://a.example/hook', 'https://a.example/hook'],
    ['https://a.example/hook?flag&empty=&a=b=c', 'https://a.example/hook?flag&empty=REDACTED&a=REDACTED'],
    ['https://a.example/hook?x=1#part', 'https://a.example/hook?x=REDACTED#part'],
    ['https://a.example/hook#part?x=1', 'https://a.example/hook#part?x=1'],
    ['https://a.example/hook?t%C3%A9=%20&&x=1', 'https://a.example/hook?t%C3%A9=REDACTED&&x=REDACTED'],
  ])('turns %s into %s, keeping every key as it was', (url, redacted) => {
    expect(withQueryValuesRedacted(url)).toBe(redacted)
  })
})
